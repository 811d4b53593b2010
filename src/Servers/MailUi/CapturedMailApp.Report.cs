using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Analysis;

namespace Protocols.Servers.MailUi;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HtmlReport))]
internal sealed partial class MailReportJsonContext : JsonSerializerContext;

/// <summary>The HTML and link report: <c>GET api/messages/{id}/report</c> answers <see cref="HtmlReport"/> as JSON
/// (computed on request, nothing fetched; 404 for an unknown id, 413 for a message too large to parse).</summary>
public sealed partial class CapturedMailApp
{
    private async Task ReportAsync(HttpContext context, StoredMail mail)
    {
        if (mail.Summary.Size > Smtp.MailParser.MaxParsedSize)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"a message of {mail.Summary.Size} bytes is too large to analyse (at most {Smtp.MailParser.MaxParsedSize})").ConfigureAwait(false);
            return;
        }
        if (await ViewAsync(mail, context.RequestAborted).ConfigureAwait(false) is not { } view)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
            return;
        }
        var report = HtmlReport.Analyze(view.Html, view.Text is not null, view.ContentIds);
        await JsonAsync(context, report, MailReportJsonContext.Default.HtmlReport).ConfigureAwait(false);
    }
}
