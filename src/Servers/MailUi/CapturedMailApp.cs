using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Protocols.Servers.Mail;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.MailUi;

/// <summary>
/// The captured-mail web page and its JSON API over a mail store, as one request handler, mounted at a base path
/// (PathBase) such as <c>/_proto/mail</c>, or at the root of a port of its own. The routes are the table in
/// <c>CapturedMailApp.Routes.cs</c>; the app describes them itself at <c>api/openapi.json</c> (OpenAPI 3.1).
/// </summary>
public sealed partial class CapturedMailApp
{
    private readonly IMailStore _store;
    private readonly ProtocolsMetrics? _metrics;
    private readonly CapturedMailOptions _options;
    private readonly CancellationTokenSource _stopping = new();

    public CapturedMailApp(IMailStore store, ProtocolsMetrics? metrics = null, CapturedMailOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
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
        return DispatchAsync(context, path);
    }

    private static Task NotAllowed(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed");
    }

    private async Task WithMail(HttpContext context, string id, Func<StoredMail, Task> handle)
    {
        var mail = await _store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (mail is null) await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
        else await handle(mail).ConfigureAwait(false);
    }

    /// <summary>The parsed view of a message (read from the store for this request only, never kept).</summary>
    private async Task<MailView?> ViewAsync(StoredMail mail, CancellationToken cancellationToken)
    {
        if (mail.Summary.Size > Smtp.MailParser.MaxParsedSize)
            return new MailView { Headers = [], Subject = mail.Summary.Subject, Text = $"(a message of {mail.Summary.Size} bytes is too large to show: download the .eml)" };
        var stream = await _store.OpenRawAsync(mail.Summary.Id, cancellationToken).ConfigureAwait(false);
        if (stream is null) return null;
        await using (stream.ConfigureAwait(false))
        {
            var bytes = new byte[mail.Summary.Size];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return MailView.Parse(bytes);
        }
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

    /// <summary>The search of a request: <c>query</c> in the search language, plus the older single filters
    /// (<c>address</c>, <c>from</c>, <c>to</c>, <c>subject</c>: substrings) as terms of it.</summary>
    internal static string SearchOf(IQueryCollection query)
    {
        var parts = new List<string>();
        if (Value(query, "query") is { } text) parts.Add(text);
        foreach (var (name, field) in new[] { ("address", "addressed"), ("from", "from"), ("to", "to"), ("subject", "subject") })
        {
            if (Value(query, name) is { } value) parts.Add(MailSearch.Term(field, value));
        }
        return string.Join(' ', parts);
    }

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString().Trim() : null;

    private async Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = Math.Min(_options.DefaultListLimit, _options.MaxListLimit);
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var asked) || asked < 1)
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "limit must be a positive integer").ConfigureAwait(false);
                return;
            }
            limit = Math.Min(asked, _options.MaxListLimit);
        }
        Mail.MailPage page;
        try
        {
            page = await _store.ListAsync(new MailQuery(SearchOf(query), Value(query, "mailbox") ?? MailQuery.Inbox, Value(query, "cursor"), limit),
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (MailSearchException e)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return;
        }
        await JsonAsync(context, new MailList(page.Matched, page.Total, page.NextCursor, [.. page.Messages.Select(MailSummary.Of)]),
            MailJsonContext.Default.MailList).ConfigureAwait(false);
    }

    private async Task ClearAsync(HttpContext context)
    {
        await _store.ClearAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task DeleteAsync(HttpContext context, string id)
    {
        if (await _store.DeleteAsync([id], context.RequestAborted).ConfigureAwait(false) > 0)
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        else
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
    }

    /// <summary>Most bytes of a PATCH body: a few flags and tags.</summary>
    private const int MaxPatchBytes = 16 * 1024;

    private async Task PatchAsync(HttpContext context, string id)
    {
        if (context.Request.ContentLength is > MaxPatchBytes)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "the change is too large").ConfigureAwait(false);
            return;
        }
        MailPatch? patch;
        try
        {
            var body = new byte[MaxPatchBytes + 1];
            var read = await context.Request.Body.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
            if (read > MaxPatchBytes)
            {
                await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "the change is too large").ConfigureAwait(false);
                return;
            }
            patch = JsonSerializer.Deserialize(body.AsSpan(0, read), MailJsonContext.Default.MailPatch);
        }
        catch (JsonException)
        {
            patch = null;
        }
        if (patch is null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "expected JSON like {\"seen\": true, \"flagged\": false, \"tags\": [\"a\"]}").ConfigureAwait(false);
            return;
        }
        var current = await _store.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (current is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
            return;
        }
        var add = (patch.Seen == true ? MailFlags.Seen : 0) | (patch.Flagged == true ? MailFlags.Flagged : 0);
        var remove = (patch.Seen == false ? MailFlags.Seen : 0) | (patch.Flagged == false ? MailFlags.Flagged : 0);
        Mail.MailSummary? after;
        try
        {
            after = await _store.SetFlagsAsync(id, new MailFlagChange(add, remove, patch.Tags, patch.Tags is null ? null : current.Summary.Keywords),
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return;
        }
        if (after is null) await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
        else await JsonAsync(context, MailSummary.Of(after), MailJsonContext.Default.MailSummary).ConfigureAwait(false);
    }

    private static MailPartInfo PartInfo(MailPart part) =>
        new(part.ContentType, part.TransferEncoding, part.FileName, [.. part.Headers.Select(h => new MailHeader(h.Key, h.Value))],
            [.. part.Children.Select(PartInfo)]);

    private static string MessageUrl(string id) => "api/messages/" + Uri.EscapeDataString(id);

    /// <summary>The message in full; reading it marks it seen (as Mailpit does), in the store, so a reload keeps it.</summary>
    private async Task DetailAsync(HttpContext context, StoredMail mail)
    {
        var view = await ViewAsync(mail, context.RequestAborted).ConfigureAwait(false);
        if (view is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
            return;
        }
        var summary = mail.Summary;
        if (!summary.Flags.HasFlag(MailFlags.Seen) && !HttpMethods.IsHead(context.Request.Method))
            summary = await _store.SetFlagsAsync(summary.Id, new MailFlagChange(Add: MailFlags.Seen), context.RequestAborted).ConfigureAwait(false) ?? summary;
        var baseUrl = MessageUrl(summary.Id);
        var attachments = view.Attachments
            .Select((a, i) => new MailAttachmentInfo(i, a.FileName, a.ContentType, a.Content.Length,
                baseUrl + "/attachments/" + i.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        var session = mail.Session;
        var detail = new MailDetail(MailSummary.Of(summary), [.. view.Headers.Select(h => new MailHeader(h.Key, h.Value))], view.Cc, view.Date,
            view.Text, view.Html is null ? null : baseUrl + "/html", baseUrl + "/raw", attachments,
            new MailSessionInfo(session.ClientAddress, session.HeloName, session.Tls, session.AuthenticatedUser), session.Transcript,
            view.Body is null ? null : PartInfo(view.Body)) { Relay = MailRelayInfo.Of(Relay.LastResult(summary.Id)) };
        await JsonAsync(context, detail, MailJsonContext.Default.MailDetail).ConfigureAwait(false);
    }

    private async Task RawAsync(HttpContext context, StoredMail mail)
    {
        var id = mail.Summary.Id;
        var stream = await _store.OpenRawAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (stream is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
            return;
        }
        await using (stream.ConfigureAwait(false))
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
                disposition.SetHttpFileName(id + ".eml");
                response.Headers.ContentDisposition = disposition.ToString();
            }
            response.Headers.XContentTypeOptions = "nosniff";
            response.ContentLength = mail.Summary.Size;
            if (!HttpMethods.IsHead(context.Request.Method)) await stream.CopyToAsync(response.Body, 64 * 1024, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The HTML part on its own, for a sandboxed iframe: the CSP sandboxes it again, blocks every fetch
    /// (remote images, trackers, fonts, scripts) and allows only inline styles and data: images.
    /// </summary>
    private async Task HtmlAsync(HttpContext context, StoredMail mail)
    {
        if ((await ViewAsync(mail, context.RequestAborted).ConfigureAwait(false))?.Html is not { } html)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "the message has no HTML part").ConfigureAwait(false);
            return;
        }
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox " + MailPage.FrameSandbox + "; frame-ancestors 'self'";
        response.Headers.XFrameOptions = "SAMEORIGIN"; // framed by the page only
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(MailPage.ForFrame(html));
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task AttachmentAsync(HttpContext context, StoredMail mail, string indexText)
    {
        var attachments = (await ViewAsync(mail, context.RequestAborted).ConfigureAwait(false))?.Attachments ?? [];
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
        var query = context.Request.Query;
        if (query.Keys.FirstOrDefault(k => !WaitParameters.Contains(k)) is { } unknown)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest,
                $"unknown parameter '{unknown}' (api/wait takes {string.Join(", ", WaitParameters)})").ConfigureAwait(false);
            return;
        }
        var (since, sinceProblem) = await SinceAsync(Value(query, "since"), context.RequestAborted).ConfigureAwait(false);
        if (sinceProblem is not null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, sinceProblem).ConfigureAwait(false);
            return;
        }
        Mail.MailSummary? mail;
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            mail = await _store.WaitForAsync(SearchOf(query), timeout, Value(query, "mailbox") ?? MailQuery.Inbox, since, lifetime.Token).ConfigureAwait(false);
        }
        catch (MailSearchException e)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
            return;
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
            await JsonAsync(context, MailSummary.Of(mail), MailJsonContext.Default.MailSummary).ConfigureAwait(false);
    }

    /// <summary>The query parameters <c>api/wait</c> knows; any other is refused, so a typo cannot match the newest message.</summary>
    internal static readonly string[] WaitParameters = ["query", "address", "from", "to", "subject", "mailbox", "timeout", "since"];

    /// <summary><c>since=</c>: an ISO 8601 instant, or the id of a stored message (only later arrivals count).</summary>
    private async Task<(MailSince? Since, string? Problem)> SinceAsync(string? text, CancellationToken cancellationToken)
    {
        if (text is null) return (null, null);
        if (text.Length > 0 && char.IsAsciiDigit(text[0]) && text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return (new MailSince(AfterTime: time), null);
        var mail = text.Length <= 70 && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? await _store.GetAsync(text, cancellationToken).ConfigureAwait(false)
            : null;
        return mail is null
            ? (null, $"since must be a message id or an ISO 8601 time (2026-12-01T10:00:00Z); no message has the id '{text}'")
            : (new MailSince(AfterUid: mail.Summary.Uid), null);
    }

    private async Task<MailStats> StatsAsync(CancellationToken cancellationToken)
    {
        var stats = await _store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        return new MailStats(stats.Messages, stats.Bytes, stats.PrunedMessages, stats.PrunedBytes, _metrics?.Snapshot() ?? []);
    }

    private async Task StatsAsync(HttpContext context) =>
        await JsonAsync(context, await StatsAsync(context.RequestAborted).ConfigureAwait(false), MailJsonContext.Default.MailStats).ConfigureAwait(false);

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
        var html = MailPage.Html.Replace("{{faults}}", MailFaultPanel.Html, StringComparison.Ordinal).Replace("{{nonce}}", nonce, StringComparison.Ordinal)
            .Replace("{{sandbox}}", MailPage.FrameSandbox, StringComparison.Ordinal);
        return response.WriteAsync(html, context.RequestAborted);
    }

    internal static string ToJson<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
