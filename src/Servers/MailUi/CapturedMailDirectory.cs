namespace Protocols.Servers.MailUi;

/// <summary>
/// Keeps a capture and a directory of <c>&lt;id&gt;.eml</c> files (as the SMTP server's directory store writes them) in
/// step: <see cref="LoadAsync"/> brings in the files already there, and deleting from the capture (page, API, POP3)
/// deletes the file. Only files named like message ids are touched.
/// </summary>
public sealed class CapturedMailDirectory : IDisposable
{
    private readonly CapturedMailStore _capture;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public CapturedMailDirectory(CapturedMailStore capture, string directory)
    {
        _capture = capture ?? throw new ArgumentNullException(nameof(capture));
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        _capture.Changed += OnChanged;
    }

    public string Directory { get; }

    /// <summary>Files larger than this are not loaded. Default 64 MiB, <see cref="Smtp.MailParser.MaxParsedSize"/>.</summary>
    public long MaxFileSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>Loads the newest .eml files (up to the capture's capacity), oldest first; returns how many.</summary>
    public async Task<int> LoadAsync(CancellationToken cancellationToken = default)
    {
        var files = new DirectoryInfo(Directory).EnumerateFiles("*.eml")
            .Where(f => IsId(Path.GetFileNameWithoutExtension(f.Name)) && f.Length <= MaxFileSize)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Take(_capture.Capacity)
            .Reverse()
            .ToList();
        foreach (var file in files)
        {
            var raw = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
            var id = Path.GetFileNameWithoutExtension(file.Name);
            _capture.Add(new CapturedMail(id, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), MailView.HeadersOnly(raw).From ?? "", [], raw));
        }
        return files.Count;
    }

    private void OnChanged(object? sender, CapturedMailChangedEventArgs e)
    {
        switch (e.Kind)
        {
            case CapturedMailChangeKind.Added when IsId(e.Id!):
                lock (_lock) _ids.Add(e.Id!);
                break;
            case CapturedMailChangeKind.Deleted when IsId(e.Id!):
                lock (_lock) _ids.Remove(e.Id!);
                DeleteFile(e.Id!);
                break;
            case CapturedMailChangeKind.Cleared:
                string[] all;
                lock (_lock)
                {
                    all = [.. _ids];
                    _ids.Clear();
                }
                foreach (var id in all) DeleteFile(id);
                break;
        }
    }

    private void DeleteFile(string id)
    {
        try
        {
            File.Delete(Path.Combine(Directory, id + ".eml"));
        }
        catch (IOException)
        {
            // Removed or locked by someone else: the capture no longer shows it either way.
        }
    }

    /// <summary>The SMTP server's id form (letters, digits, '-'): such a name can never leave the directory.</summary>
    private static bool IsId(string id) => id.Length is > 0 and <= 70 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public void Dispose() => _capture.Changed -= OnChanged;
}
