using System.Text.Json;
using System.Text.Json.Serialization;

namespace Protocols.Servers.MailUi;

/// <summary>A message in a list: what the page's table shows.</summary>
public sealed record MailSummary(
    string Id, DateTimeOffset ReceivedAt, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo,
    string? From, string? To, string? Subject, long Size, bool HasHtml, int AttachmentCount);

/// <summary>A header line, unfolded.</summary>
public sealed record MailHeader(string Name, string Value);

/// <summary>An attachment's description and its download address (relative to the API root).</summary>
public sealed record MailAttachmentInfo(int Index, string FileName, string ContentType, long Size, string Url);

/// <summary>One MIME entity: its type, transfer encoding, file name, its own header fields (decoded), its children.</summary>
public sealed record MailPartInfo(string ContentType, string? TransferEncoding, string? FileName, IReadOnlyList<MailHeader> Headers,
    IReadOnlyList<MailPartInfo> Children);

/// <summary>One message in full: its summary, headers (decoded), text body (LF line ends), whether it has HTML (served on its own),
/// attachments, and the MIME tree (null when the message could not be parsed).</summary>
public sealed record MailDetail(MailSummary Summary, IReadOnlyList<MailHeader> Headers, string? Cc, string? Date, string? Text,
    string? HtmlUrl, string RawUrl, IReadOnlyList<MailAttachmentInfo> Attachments, MailPartInfo? Parts);

/// <summary>A page of the list: how many match in all, and the newest <c>limit</c> of them.</summary>
public sealed record MailList(int Total, IReadOnlyList<MailSummary> Messages);

/// <summary>The status line: messages held and the counters of each protocol.</summary>
public sealed record MailStats(int Messages, IReadOnlyList<Metrics.ProtocolTotals> Protocols);

/// <summary>An error answer.</summary>
public sealed record MailError(string Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MailSummary))]
[JsonSerializable(typeof(MailDetail))]
[JsonSerializable(typeof(MailList))]
[JsonSerializable(typeof(MailStats))]
[JsonSerializable(typeof(MailError))]
[JsonSerializable(typeof(string))]
internal sealed partial class MailJsonContext : JsonSerializerContext;
