using Microsoft.AspNetCore.Http;
using static Protocols.Servers.MailUi.MailRouteResponse;

namespace Protocols.Servers.MailUi;

/// <summary>
/// The route table: every route the app answers, with what the OpenAPI document (<c>api/openapi.json</c>) says about
/// it. <see cref="DispatchAsync"/> answers only what is here (another method on a known path is 405 with <c>Allow</c>
/// listing this table's methods for it, in this order), and <see cref="MailApiDocument"/> writes the document from here.
/// </summary>
public sealed partial class CapturedMailApp
{
    private static readonly MailRouteParameter[] SearchParameters =
    [
        new("query", "string", "A search in the search language (docs/catcher.md): words, from:, to:, subject:, is:unread, has:attachment, before:, after:..."),
        new("address", "string", "A substring of any sender or recipient address (a term of the search)."),
        new("from", "string", "A substring of the sender."),
        new("to", "string", "A substring of a recipient."),
        new("subject", "string", "A substring of the subject."),
        new("mailbox", "string", "The mailbox (default INBOX)."),
    ];

    private static readonly MailRouteResponse NoMessage = Error(404, "No message has this id.");
    private static readonly MailRouteResponse CrossOrigin = Error(403, "A browser page of another origin asked for a change (Origin or Sec-Fetch-Site).");
    private static readonly MailSchema FaultRules = new("FaultRules", FaultRulesJson.Schema);
    private static readonly MailRouteResponse NoFaults = Error(404, "This app has no SMTP server to fault.");

    /// <summary>Every route, in dispatch order. Routes of one template stay together: their order is the <c>Allow</c> header's.</summary>
    internal static readonly IReadOnlyList<MailRoute> Routes =
    [
        new("GET", "", "page", (app, c, _) => app.PageAsync(c))
        {
            Tag = "page", Summary = "The captured-mail page (HTML).", Responses = [new(200, "The page.", "text/html")],
        },
        new("GET", "api/openapi.json", "openApiDocument", (_, c, _) => OpenApiAsync(c))
        {
            Tag = "meta", Summary = "This document (OpenAPI 3.1, JSON), written from the app's own route table.",
            Responses = [new(200, "The OpenAPI document.", "application/json", Schema: new("OpenApiDocument", () => new System.Text.Json.Nodes.JsonObject { ["type"] = "object", ["description"] = "An OpenAPI 3.1 document." }))],
        },
        new("GET", "api/messages", "listMessages", (app, c, _) => app.ListAsync(c))
        {
            Tag = "messages", Summary = "A page of messages, newest first.",
            Description = "Follow nextCursor for older pages; total counts every match, stored every message.",
            Query = [.. SearchParameters,
                new("cursor", "string", "The nextCursor of the previous page."),
                new("limit", "integer", "Most messages in the answer (default 1000, capped at 5000 unless configured).")],
            Responses = [Json(200, "The page.", MailJsonContext.Default.MailList), Error(400, "A bad limit or search.")],
        },
        new("DELETE", "api/messages", "clearMessages", (app, c, _) => app.ClearAsync(c))
        {
            Tag = "messages", Summary = "Delete every message.", Responses = [Empty(204, "All deleted."), CrossOrigin],
        },
        new("GET", "api/messages/{id}", "getMessage", (app, c, v) => app.WithMail(c, v[0], mail => app.DetailAsync(c, mail)))
        {
            Tag = "messages", Summary = "One message in full; a GET marks it seen.",
            Responses = [Json(200, "The message: headers, text, links to its HTML, raw bytes and attachments, the SMTP session, the MIME tree, the last relay.",
                MailJsonContext.Default.MailDetail), NoMessage],
        },
        new("PATCH", "api/messages/{id}", "patchMessage", (app, c, v) => app.PatchAsync(c, v[0]))
        {
            Tag = "messages", Summary = "Set seen, flagged or tags (tags replace the message's tags).",
            Body = new("Any of seen, flagged, tags (at most 16 KiB).", MailJsonContext.Default.MailPatch, Example: """{"seen": true, "flagged": true, "tags": ["checked"]}"""),
            Responses = [Json(200, "The changed summary.", MailJsonContext.Default.MailSummary), Error(400, "Not such a JSON object, or a bad tag."),
                NoMessage, Error(413, "The body is larger than 16 KiB."), CrossOrigin],
        },
        new("DELETE", "api/messages/{id}", "deleteMessage", (app, c, v) => app.DeleteAsync(c, v[0]))
        {
            Tag = "messages", Summary = "Delete one message.", Responses = [Empty(204, "Deleted."), NoMessage, CrossOrigin],
        },
        new("POST", "api/messages/{id}/release", "releaseMessage", (app, c, v) => app.ReleaseAsync(c, v[0]))
        {
            Tag = "messages", Summary = "Send the captured bytes, unchanged, to a real SMTP server with our SMTP client.",
            Description = "Recipients default to the envelope's; tls is none, starttls or implicit; the password is never logged nor shown.",
            Body = new("The server and how to reach it (at most 16 KiB).", MailReleaseJsonContext.Default.MailReleaseRequest,
                Example: """{"host": "127.0.0.1", "port": 2525, "tls": "none", "recipients": ["someone@example.com"]}""",
                Required: ["host", "port"], Refine: ReleaseValues),
            Responses = [Json(200, "The server took it: its final reply.", MailReleaseJsonContext.Default.MailRelayInfo),
                Error(400, "A bad field, named in the error."), NoMessage, Error(413, "The body is larger than 16 KiB."),
                Json(502, "The server refused it or could not be reached: its reply.", MailReleaseJsonContext.Default.MailRelayInfo), CrossOrigin],
        },
        new("GET", "api/messages/{id}/raw", "getRawMessage", (app, c, v) => app.WithMail(c, v[0], mail => app.RawAsync(c, mail)))
        {
            Tag = "messages", Summary = "The exact bytes as captured, as an .eml download.",
            Query = [new("inline", "string", "Present: served as text/plain to read in the browser instead.")],
            Responses = [new(200, "The message (text/plain with inline).", "message/rfc822"), NoMessage],
        },
        new("GET", "api/messages/{id}/html", "getMessageHtml", (app, c, v) => app.WithMail(c, v[0], mail => app.HtmlAsync(c, mail)))
        {
            Tag = "messages", Summary = "The HTML part alone, for a sandboxed frame: its CSP blocks every fetch.",
            Responses = [new(200, "The HTML part.", "text/html"), Error(404, "No such message, or it has no HTML part.")],
        },
        new("GET", "api/messages/{id}/report", "getMessageReport", (app, c, v) => app.WithMail(c, v[0], mail => app.ReportAsync(c, mail)))
        {
            Tag = "messages", Summary = "The HTML and link report, computed locally with nothing fetched.",
            Description = "Features some mail clients do not support (with the clients and the source), broken #anchors, missing cid: parts, images without alt, no text part.",
            Responses = [Json(200, "The report.", MailReportJsonContext.Default.HtmlReport), NoMessage,
                Error(413, "The message is too large to analyse.")],
        },
        new("GET", "api/messages/{id}/attachments/{n}", "getAttachment", (app, c, v) => app.WithMail(c, v[0], mail => app.AttachmentAsync(c, mail, v[1])))
        {
            Tag = "messages", Summary = "An attachment, always as a download.",
            Responses = [new(200, "The attachment's bytes.", "application/octet-stream"), Error(404, "No such message or attachment.")],
        },
        new("GET", "api/wait", "waitForMessage", (app, c, _) => app.WaitAsync(c))
        {
            Tag = "live", Summary = "Long poll: the first message matching the search that arrives (or is there, with since).",
            Description = "Unknown parameters are refused (400), so a typo cannot match the newest message.",
            Query = [.. SearchParameters,
                new("since", "string", "A message id or an ISO 8601 time: only later arrivals count. Without it, only messages arriving after the call."),
                new("timeout", "number", "Seconds to wait (default 30, at most 300).")],
            Responses = [Json(200, "The message that matched.", MailJsonContext.Default.MailSummary), Error(400, "A bad parameter, named in the error."),
                Error(408, "No matching message arrived in time."), Error(503, "The server is stopping.")],
        },
        new("GET", "api/events", "events", (app, c, _) => app.EventsAsync(c))
        {
            Tag = "live", Summary = "Server-Sent Events: ready, added, changed, deleted, cleared, stats, reset.",
            Description = "ready carries the stats once subscribed; added and changed a message summary; deleted an id; reset: reload the list.",
            Responses = [new(200, "The event stream; it ends when the client leaves or the server stops.", "text/event-stream")],
        },
        new("GET", "api/stats", "stats", (app, c, _) => app.StatsAsync(c))
        {
            Tag = "live", Summary = "Messages and bytes stored, pruned, and each protocol's counters.",
            Responses = [Json(200, "The counters.", MailJsonContext.Default.MailStats)],
        },
        new("GET", "api/faults", "getFaults", (app, c, _) => app.FaultRulesAsync(c))
        {
            Tag = "faults", Summary = "The SMTP server's runtime fault rules in force.",
            Responses = [new(200, "The rules.", "application/json", Schema: FaultRules), NoFaults],
        },
        new("PUT", "api/faults", "putFaults", (app, c, _) => app.PutFaultsAsync(c))
        {
            Tag = "faults", Summary = "Replace every fault rule (their counts start again).",
            Body = new("A JSON array of rules (at most 64 KiB).", Schema: FaultRules,
                Example: """[{"stage": "rcpt", "action": "reply", "code": 450, "enhancedCode": "4.2.1", "text": "try later", "nth": 1}]"""),
            Responses = [new(200, "The rules now in force.", "application/json", Schema: FaultRules), Error(400, "A bad rule, its field named."),
                NoFaults, Error(413, "The body is larger than 64 KiB."), CrossOrigin],
        },
        new("DELETE", "api/faults", "clearFaults", (app, c, _) => app.ClearFaultsAsync(c))
        {
            Tag = "faults", Summary = "Remove every fault rule.",
            Responses = [new(200, "The rules now in force: none.", "application/json", Schema: FaultRules), NoFaults, CrossOrigin],
        },
    ];

    /// <summary>The values <see cref="TargetOf"/> takes, in the release request's schema.</summary>
    private static void ReleaseValues(System.Text.Json.Nodes.JsonObject schema)
    {
        var properties = schema["properties"]!;
        properties["tls"]!["enum"] = new System.Text.Json.Nodes.JsonArray("none", "starttls", "implicit", null);
        properties["tls"]!["description"] = "How to reach the server: plain, STARTTLS, or TLS from the first byte (default none).";
        properties["port"]!["minimum"] = 1;
        properties["port"]!["maximum"] = 65535;
        properties["recipients"]!["minItems"] = 1;
        properties["recipients"]!["maxItems"] = MaxReleaseRecipients;
        properties["recipients"]!["description"] = "Where to send it (default: the envelope's recipients).";
        properties["password"]!["description"] = "Sent with AUTH; never logged or shown.";
        properties["insecure"]!["description"] = "Accept any certificate.";
    }

    /// <summary>What the path parameters are, for the document.</summary>
    internal static readonly IReadOnlyDictionary<string, MailRouteParameter> PathParameters = new Dictionary<string, MailRouteParameter>(StringComparer.Ordinal)
    {
        ["id"] = new("id", "string", "A message id (the id of a summary).", Required: true),
        ["n"] = new("n", "integer", "The attachment's index, from 0 (the index of the detail's attachments).", Required: true),
    };

    /// <summary>Answers from the table: the route whose template and method fit, 405 when only the template does, else 404.</summary>
    private Task DispatchAsync(HttpContext context, string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        List<string>? allow = null;
        foreach (var route in Routes)
        {
            if (route.Match(parts) is not { } values) continue;
            if (route.Accepts(method)) return route.Handle(this, context, values);
            (allow ??= []).Add(route.Method);
        }
        return allow is null
            ? ErrorAsync(context, StatusCodes.Status404NotFound, "no such route")
            : NotAllowed(context, string.Join(", ", allow));
    }

    /// <summary><c>api/openapi.json</c>: the document of this table, its server URL the mount point.</summary>
    private static Task OpenApiAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        return response.WriteAsync(MailApiDocument.Json(context.Request.PathBase.Value ?? ""), context.RequestAborted);
    }
}
