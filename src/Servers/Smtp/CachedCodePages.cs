using System.Collections.Concurrent;
using System.Text;

namespace Protocols.Servers.Smtp;

/// <summary>
/// The legacy code pages (windows-1252, KOI8-R, ...) with each answer remembered. MimeKit asks
/// <see cref="Encoding.GetEncoding(int)"/> for every address it parses; through <see cref="CodePagesEncodingProvider"/>
/// each ask searches its table under a lock (5-10% of parsing a small message), even for UTF-8, which it then does
/// not have. Answers, including "not mine", are fixed for the process, so one look-up per code page or name is enough.
/// </summary>
internal sealed class CachedCodePages : EncodingProvider
{
    public static readonly CachedCodePages Instance = new();

    private readonly ConcurrentDictionary<int, Encoding?> _byCodePage = new();
    private readonly ConcurrentDictionary<string, Encoding?> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Code pages and names come from mail: past this many each, asks go to the provider uncached.</summary>
    internal const int MaxCached = 1024;

    public override Encoding? GetEncoding(int codepage) =>
        _byCodePage.TryGetValue(codepage, out var known) ? known
            : _byCodePage.Count < MaxCached ? _byCodePage.GetOrAdd(codepage, static c => CodePagesEncodingProvider.Instance.GetEncoding(c))
            : CodePagesEncodingProvider.Instance.GetEncoding(codepage);

    public override Encoding? GetEncoding(string name) =>
        _byName.TryGetValue(name, out var known) ? known
            : _byName.Count < MaxCached ? _byName.GetOrAdd(name, static n => CodePagesEncodingProvider.Instance.GetEncoding(n))
            : CodePagesEncodingProvider.Instance.GetEncoding(name);

    /// <summary>Answers remembered: code pages, names.</summary>
    internal (int CodePages, int Names) Cached => (_byCodePage.Count, _byName.Count);

    public override IEnumerable<EncodingInfo> GetEncodings() => CodePagesEncodingProvider.Instance.GetEncodings();
}
