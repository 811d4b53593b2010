using System.Text.Json;
using System.Text.Json.Serialization;

namespace Protocols.Servers.MailUi;

/// <summary>A message in a list: what the page's table shows. <c>seen</c>, <c>flagged</c> and <c>tags</c> are kept in the store.</summary>
public sealed record MailSummary(
    string Id, long Uid, DateTimeOffset ReceivedAt, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo,
    string? From, string? To, string? Subject, long Size, bool HasHtml, int AttachmentCount, bool Seen, bool Flagged, IReadOnlyList<string> Tags)
{
    internal static MailSummary Of(Mail.MailSummary s) => new(s.Id, s.Uid, s.ReceivedAt, s.EnvelopeFrom, s.EnvelopeTo, s.From, s.To, s.Subject, s.Size,
        s.HasHtml, s.AttachmentCount, s.Flags.HasFlag(Mail.MailFlags.Seen), s.Flags.HasFlag(Mail.MailFlags.Flagged), s.Keywords);
}

/// <summary>A header line, unfolded.</summary>
public sealed record MailHeader(string Name, string Value);

/// <summary>An attachment's description and its download address (relative to the API root).</summary>
public sealed record MailAttachmentInfo(int Index, string FileName, string ContentType, long Size, string Url);

/// <summary>One MIME entity: its type, transfer encoding, file name, its own header fields (decoded), its children.</summary>
public sealed record MailPartInfo(string ContentType, string? TransferEncoding, string? FileName, IReadOnlyList<MailHeader> Headers,
    IReadOnlyList<MailPartInfo> Children);

/// <summary>What the SMTP session knew: the client, HELO, TLS and AUTH.</summary>
public sealed record MailSessionInfo(string? ClientAddress, string? HeloName, bool Tls, string? AuthenticatedUser);

/// <summary>One message in full: its summary, headers, text body, whether it has HTML (served on its own), attachments,
/// the session facts, the SMTP transcript (secrets redacted) and the MIME tree (null when the message could not be parsed).</summary>
public sealed record MailDetail(MailSummary Summary, IReadOnlyList<MailHeader> Headers, string? Cc, string? Date, string? Text,
    string? HtmlUrl, string RawUrl, IReadOnlyList<MailAttachmentInfo> Attachments, MailSessionInfo Session, string? Transcript,
    MailPartInfo? Parts)
{
    /// <summary>The last release or automatic relay of the message (the server's reply), null when never relayed.</summary>
    public MailRelayInfo? Relay { get; init; }
}

/// <summary>A page of the list, newest first: how many match (<c>total</c>, the "N" of "N of M"), how many are stored
/// (<c>stored</c>, the "M"), this page, and the cursor of the next (older) page, null on the last.</summary>
public sealed record MailList(long Total, long Stored, string? NextCursor, IReadOnlyList<MailSummary> Messages);

/// <summary>The status line: messages and bytes stored, how many retention pruned, and the counters of each protocol.</summary>
public sealed record MailStats(long Messages, long Bytes, long PrunedMessages, long PrunedBytes, IReadOnlyList<Metrics.ProtocolTotals> Protocols);

/// <summary>What <c>PATCH api/messages/{id}</c> changes: any of seen, flagged, tags (replaced).</summary>
public sealed record MailPatch(bool? Seen, bool? Flagged, IReadOnlyList<string>? Tags);

/// <summary>An error answer.</summary>
public sealed record MailError(string Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MailSummary))]
[JsonSerializable(typeof(MailDetail))]
[JsonSerializable(typeof(MailList))]
[JsonSerializable(typeof(MailStats))]
[JsonSerializable(typeof(MailPatch))]
[JsonSerializable(typeof(MailError))]
[JsonSerializable(typeof(string))]
internal sealed partial class MailJsonContext : JsonSerializerContext;
