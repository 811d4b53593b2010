using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.MailUi;

/// <summary>
/// What keeps other pages away from the captured mail: no answer may be framed (clickjacking) except the HTML part
/// inside the page itself, and a state-changing request (anything but GET, HEAD, OPTIONS) whose <c>Origin</c> or
/// <c>Sec-Fetch-Site</c> says it comes from another origin is refused with 403. Plain API clients (curl, scripts,
/// test code) send neither header and keep working; browsers always send them on such requests.
/// </summary>
public sealed partial class CapturedMailApp
{
    /// <summary>The CSP for answers that are not the page or the HTML part: nothing may frame them.</summary>
    private const string NoFramingPolicy = "frame-ancestors 'none'";

    private static void AddFramingHeaders(HttpResponse response)
    {
        response.Headers.XFrameOptions = "DENY";
        response.Headers.ContentSecurityPolicy = NoFramingPolicy;
    }

    /// <summary>True when a browser says this state-changing request comes from a page of another origin.</summary>
    internal static bool IsCrossOriginChange(HttpRequest request)
    {
        var method = request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) return false;
        var site = request.Headers["Sec-Fetch-Site"];
        if (site.Count > 0 && site.ToString() is not ("same-origin" or "none")) return true;
        var origin = request.Headers.Origin;
        if (origin.Count == 0) return false;
        var own = request.Scheme + "://" + request.Host.Value;
        return !string.Equals(origin.ToString(), own, StringComparison.OrdinalIgnoreCase);
    }
}
