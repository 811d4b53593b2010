using System.Globalization;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Http;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The dev stack's HTTP wiring around the captured-mail page's own origin: the Host check and request counting on
/// the mail endpoint, and on the file server a redirect from the old address (<c>/_proto/mail/</c>) to the page.
/// Nothing under <c>/_proto/mail/</c> on the file server's origin serves mail.
/// </summary>
internal static class MailOrigin
{
    /// <summary>The mail endpoint's delegate: a foreign Host gets 421, everything is counted as HTTP.</summary>
    public static RequestDelegate Guard(RequestDelegate app, IEnumerable<string> allowedHosts, ProtocolsMetrics metrics) => context =>
        HostCheck.Allows(context.Request.Host, allowedHosts) ? CountedAsync(app, metrics, context) : HostCheck.RefuseAsync(context);

    public static async Task CountedAsync(RequestDelegate handler, ProtocolsMetrics metrics, HttpContext context)
    {
        await handler(context).ConfigureAwait(false);
        metrics.MessageTransferred("http", context.Response.ContentLength ?? 0);
        if (context.Response.StatusCode >= 400) metrics.Rejected("http", context.Response.StatusCode.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The API document, relative to the mail page.</summary>
    public const string DocumentPath = "api/openapi.json";

    /// <summary>
    /// <c>/_proto/mail</c> and <c>/_proto/mail/</c> on the file server: 302 to the mail page, on the host name the
    /// client used (already checked) and the mail port; so is <c>/_proto/mail/api/openapi.json</c>, to the API document.
    /// Anything else below (the old API paths) is 404.
    /// </summary>
    public static Task RedirectAsync(HttpContext context, HostedEndpoint mail)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (path is not ("" or "/" or "/" + DocumentPath) || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            return Responses.TextAsync(context, StatusCodes.Status404NotFound, $"404 Not Found: the mail page and its API are at {mail}\n");
        var host = request.Host.HasValue ? request.Host.Host : mail.EndPoint.Address.ToString();
        var location = string.Create(CultureInfo.InvariantCulture, $"{(mail.Tls is null ? "http" : "https")}://{host}:{mail.EndPoint.Port}/{(path.Length > 1 ? DocumentPath : "")}");
        context.Response.Headers.Location = location;
        return Responses.TextAsync(context, StatusCodes.Status302Found, $"302 Found: the mail page is at {location}\n");
    }
}
