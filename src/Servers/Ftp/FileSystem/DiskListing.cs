using Protocols.Files;
using System.Text;
using System.Text.Unicode;
using Protocols.Servers.FileSystem;

namespace Protocols.Servers.Ftp.FileSystem;

/// <summary>
/// A directory of a <see cref="DiskFileSystem"/> being listed entry by entry: each entry's name as UTF-8 bytes and
/// the facts a listing line shows, nothing allocated per entry on Linux (the name is the bytes readdir(3) gave, the
/// facts one fstatat(2); see <see cref="UnixDirectory"/>). What is listed: files, directories, and links as what
/// they open to when that is under the root (opened through the safe root); devices, fifos and sockets are left out.
/// A name that is not valid UTF-8 is shown with U+FFFD for the bad bytes, as .NET decodes it.
/// </summary>
internal sealed class DiskListing : IDisposable
{
    private readonly OpenedEntry _directory;
    private readonly SafeRoot _safe;
    private readonly UnixDirectory? _reader;
    private readonly IEnumerator<DirectoryEntry>? _portable;
    private byte[] _scratch = new byte[256];
    private int _scratchLength;
    private bool _inScratch;

    public DiskListing(OpenedEntry directory, SafeRoot safe)
    {
        _directory = directory;
        _safe = safe;
        _reader = directory.OpenReader();
        if (_reader is null) _portable = directory.ReadEntries().GetEnumerator();
    }

    /// <summary>The current entry's name as UTF-8, valid until the next <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<byte> Name => _inScratch ? _scratch.AsSpan(0, _scratchLength) : _reader!.Name;

    public ListingFacts Facts { get; private set; }

    /// <summary>The next entry that is listed; false at the end.</summary>
    public bool MoveNext()
    {
        while (true)
        {
            DirectoryEntryKind kind;
            long length;
            DateTime modified;
            if (_reader is not null)
            {
                if (!_reader.MoveNext()) return false;
                kind = _reader.Kind;
                if (kind == DirectoryEntryKind.Other) continue; // devices, fifos and sockets are not files one can transfer
                _inScratch = false;
                if (!Utf8.IsValid(_reader.Name)) SetName(Encoding.UTF8.GetString(_reader.Name));
                length = _reader.Length;
                modified = _reader.LastWriteTimeUtc;
            }
            else
            {
                if (!_portable!.MoveNext()) return false;
                var entry = _portable.Current;
                kind = entry.Kind;
                if (kind == DirectoryEntryKind.Other) continue;
                SetName(entry.Name);
                length = entry.Length;
                modified = entry.LastWriteTimeUtc;
            }
            switch (kind)
            {
                case DirectoryEntryKind.File:
                    Facts = new ListingFacts(false, length, modified, _reader?.IsReadOnly ?? _portable!.Current.IsReadOnly);
                    return true;
                case DirectoryEntryKind.Directory:
                    Facts = new ListingFacts(true, 0, modified, false);
                    return true;
                default:
                    // A link is listed as what it opens to, and only when that is under the root.
                    using (var opened = _safe.Open(Path.Join(_directory.Path, Encoding.UTF8.GetString(Name))))
                    {
                        if (opened is null) continue;
                        Facts = opened.IsDirectory
                            ? new ListingFacts(true, 0, opened.LastWriteTimeUtc, false)
                            : new ListingFacts(false, opened.Length, opened.LastWriteTimeUtc, (opened.Attributes & FileAttributes.ReadOnly) != 0);
                    }
                    return true;
            }
        }
    }

    /// <summary>The current entry as the file system's contract gives it (its name decoded).</summary>
    public FtpFileInfo Current
    {
        get
        {
            var facts = Facts;
            return new FtpFileInfo(Encoding.UTF8.GetString(Name), facts.IsDirectory, facts.Length, new DateTimeOffset(facts.ModifiedUtc, TimeSpan.Zero))
            {
                IsReadOnly = facts.IsReadOnly,
            };
        }
    }

    private void SetName(string name)
    {
        var need = Encoding.UTF8.GetMaxByteCount(name.Length);
        if (need > _scratch.Length) _scratch = new byte[need];
        _scratchLength = Encoding.UTF8.GetBytes(name, _scratch);
        _inScratch = true;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _portable?.Dispose();
        _directory.Dispose();
    }
}
