using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.MailUi;

/// <summary>
/// The captured-mail web page and its JSON API as one request handler, mounted at a base path (PathBase) such as
/// <c>/_proto/mail</c>. Routes, relative to the base: <c>/</c> the page; <c>api/messages</c> (GET list, DELETE clear);
/// <c>api/messages/{id}</c> (GET, DELETE); <c>api/messages/{id}/raw</c>; <c>api/messages/{id}/html</c>;
/// <c>api/messages/{id}/attachments/{n}</c>; <c>api/wait</c> (long poll); <c>api/events</c> (Server-Sent Events);
/// <c>api/stats</c>.
/// </summary>
public sealed partial class CapturedMailApp
{
    private readonly ICapturedMailSource _source;
    private readonly ProtocolsMetrics? _metrics;
    private readonly CapturedMailOptions _options;
    private readonly CancellationTokenSource _stopping = new();

    public CapturedMailApp(ICapturedMailSource source, ProtocolsMetrics? metrics = null, CapturedMailOptions? options = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _metrics = metrics;
        _options = options ?? new CapturedMailOptions();
    }

    /// <summary>
    /// Ends every live stream and long poll now (a wait answers 503), so a server can stop without waiting out its
    /// grace period for pages left open. Requests after this still work; new streams end at once.
    /// </summary>
    public void Stop() => _stopping.Cancel();

    /// <summary>Handles one request whose <c>Path</c> is relative to the mount point.</summary>
    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        AddFramingHeaders(context.Response);
        if (IsCrossOriginChange(context.Request)) return ErrorAsync(context, StatusCodes.Status403Forbidden, "cross-origin request refused");
        var path = context.Request.Path.Value ?? "";
        if (path.Length == 0)
        {
            context.Response.Redirect(context.Request.PathBase + "/");
            return Task.CompletedTask;
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        return parts switch
        {
            [] => Only(context, "GET", () => PageAsync(context)),
            ["api", "messages"] => method switch
            {
                "GET" or "HEAD" => ListAsync(context),
                "DELETE" => ClearAsync(context),
                _ => NotAllowed(context, "GET, DELETE"),
            },
            ["api", "messages", var id] => method switch
            {
                "GET" or "HEAD" => WithMail(context, id, mail => DetailAsync(context, mail)),
                "DELETE" => DeleteAsync(context, id),
                _ => NotAllowed(context, "GET, DELETE"),
            },
            ["api", "messages", var id, "raw"] => Only(context, "GET", () => WithMail(context, id, mail => RawAsync(context, mail))),
            ["api", "messages", var id, "html"] => Only(context, "GET", () => WithMail(context, id, mail => HtmlAsync(context, mail))),
            ["api", "messages", var id, "attachments", var n] =>
                Only(context, "GET", () => WithMail(context, id, mail => AttachmentAsync(context, mail, n))),
            ["api", "wait"] => Only(context, "GET", () => WaitAsync(context)),
            ["api", "events"] => Only(context, "GET", () => EventsAsync(context)),
            ["api", "stats"] => Only(context, "GET", () => StatsAsync(context)),
            _ => ErrorAsync(context, StatusCodes.Status404NotFound, "no such route"),
        };
    }

    private static Task Only(HttpContext context, string method, Func<Task> handle) =>
        context.Request.Method == method || (method == "GET" && context.Request.Method == "HEAD")
            ? handle()
            : NotAllowed(context, method);

    private static Task NotAllowed(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed");
    }

    private async Task WithMail(HttpContext context, string id, Func<CapturedMail, Task> handle)
    {
        var mail = await _source.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (mail is null) await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
        else await handle(mail).ConfigureAwait(false);
    }

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return JsonAsync(context, new MailError(message), MailJsonContext.Default.MailError);
    }

    private static Task JsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(value, type, cancellationToken: context.RequestAborted);
    }

    private async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = _options.MaxListLimit;
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var asked) || asked < 1)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "limit must be a positive integer").ConfigureAwait(false);
                return;
            }
            limit = Math.Min(asked, _options.MaxListLimit);
        }
        var filter = MailFilter.FromQuery(query);
        var all = await _source.ListAsync(context.RequestAborted).ConfigureAwait(false);
        var matching = all.Where(filter.Matches).ToList();
        var page = matching.AsEnumerable().Reverse().Take(limit).Select(Summarize).ToList();
        await JsonAsync(context, new MailList(matching.Count, page), MailJsonContext.Default.MailList).ConfigureAwait(false);
    }

    private async Task ClearAsync(HttpContext context)
    {
        await _source.ClearAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task DeleteAsync(HttpContext context, string id)
    {
        if (await _source.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false))
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        else
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
    }

    internal static MailSummary Summarize(CapturedMail mail)
    {
        var view = mail.View;
        return new MailSummary(mail.Id, mail.ReceivedAt, mail.EnvelopeFrom, mail.EnvelopeTo, view.From, view.To, view.Subject,
            mail.Size, view.Html is not null, view.Attachments.Count);
    }

    private static string MessageUrl(CapturedMail mail) => "api/messages/" + Uri.EscapeDataString(mail.Id);

    private static Task DetailAsync(HttpContext context, CapturedMail mail)
    {
        var view = mail.View;
        var baseUrl = MessageUrl(mail);
        var attachments = view.Attachments
            .Select((a, i) => new MailAttachmentInfo(i, a.FileName, a.ContentType, a.Content.Length,
                baseUrl + "/attachments/" + i.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        var detail = new MailDetail(Summarize(mail), [.. view.Headers.Select(h => new MailHeader(h.Key, h.Value))], view.Cc, view.Date,
            view.Text, view.Html is null ? null : baseUrl + "/html", baseUrl + "/raw", attachments);
        return JsonAsync(context, detail, MailJsonContext.Default.MailDetail);
    }

    private static async Task RawAsync(HttpContext context, CapturedMail mail)
    {
        var response = context.Response;
        if (context.Request.Query.ContainsKey("inline"))
        {
            response.ContentType = "text/plain; charset=utf-8";
        }
        else
        {
            response.ContentType = "message/rfc822";
            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(mail.Id + ".eml");
            response.Headers.ContentDisposition = disposition.ToString();
        }
        response.Headers.XContentTypeOptions = "nosniff";
        response.ContentLength = mail.Size;
        if (!HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(mail.Raw, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The HTML part on its own, for a sandboxed iframe: the CSP sandboxes it again, blocks every fetch
    /// (remote images, trackers, fonts, scripts) and allows only inline styles and data: images.
    /// </summary>
    private static async Task HtmlAsync(HttpContext context, CapturedMail mail)
    {
        if (mail.View.Html is not { } html)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "the message has no HTML part").ConfigureAwait(false);
            return;
        }
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox; frame-ancestors 'self'";
        response.Headers.XFrameOptions = "SAMEORIGIN"; // framed by the page only
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(html);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task AttachmentAsync(HttpContext context, CapturedMail mail, string indexText)
    {
        var attachments = mail.View.Attachments;
        if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= attachments.Count)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such attachment").ConfigureAwait(false);
            return;
        }
        var attachment = attachments[index];
        var response = context.Response;
        // Served as a download, never rendered on our origin: an HTML or SVG attachment must not run as our page.
        response.ContentType = "application/octet-stream";
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(attachment.FileName);
        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.XContentTypeOptions = "nosniff";
        response.ContentLength = attachment.Content.Length;
        await response.Body.WriteAsync(attachment.Content, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WaitAsync(HttpContext context)
    {
        var timeout = _options.DefaultWait;
        if (context.Request.Query.TryGetValue("timeout", out var timeoutText))
        {
            if (!double.TryParse(timeoutText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds <= 0)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "timeout must be a positive number of seconds").ConfigureAwait(false);
                return;
            }
            timeout = TimeSpan.FromSeconds(Math.Min(seconds, _options.MaxWait.TotalSeconds));
        }
        var filter = MailFilter.FromQuery(context.Request.Query);
        CapturedMail? mail;
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            mail = await _source.WaitForAsync(filter.Matches, timeout, lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            await ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "the server is stopping").ConfigureAwait(false);
            return;
        }
        if (mail is null)
            await ErrorAsync(context, StatusCodes.Status408RequestTimeout, "no matching message arrived in time").ConfigureAwait(false);
        else
            await JsonAsync(context, Summarize(mail), MailJsonContext.Default.MailSummary).ConfigureAwait(false);
    }

    private MailStats Stats(int count) => new(count, _metrics?.Snapshot() ?? []);

    private async Task StatsAsync(HttpContext context)
    {
        var all = await _source.ListAsync(context.RequestAborted).ConfigureAwait(false);
        await JsonAsync(context, Stats(all.Count), MailJsonContext.Default.MailStats).ConfigureAwait(false);
    }

    private Task PageAsync(HttpContext context)
    {
        var nonce = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; frame-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        var html = MailPage.Html.Replace("{{nonce}}", nonce, StringComparison.Ordinal);
        return response.WriteAsync(html, context.RequestAborted);
    }

    internal static string ToJson<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
