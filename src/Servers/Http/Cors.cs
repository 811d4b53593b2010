using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Protocols.Servers.Http;

/// <summary>
/// Open CORS for a dev server: any origin may read (with credentials when basic auth is on, by echoing the origin),
/// preflights answered with the methods the server supports.
/// </summary>
internal static class Cors
{
    private static readonly StringValues Any = "*";
    private static readonly StringValues Exposed = "Content-Length, Content-Range, Content-Encoding, ETag, Last-Modified, Accept-Ranges, Location";
    private static readonly StringValues MaxAge = "600";

    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.Origin.Count > 0
        && request.Headers.AccessControlRequestMethod.Count > 0;

    public static void AddHeaders(HttpContext context, bool withCredentials)
    {
        var headers = context.Response.Headers;
        if (withCredentials)
        {
            headers.AccessControlAllowOrigin = context.Request.Headers.Origin;
            headers.AccessControlAllowCredentials = "true";
            headers.Append("Vary", "Origin");
        }
        else
        {
            headers.AccessControlAllowOrigin = Any;
        }
        headers.AccessControlExposeHeaders = Exposed;
    }

    public static void AnswerPreflight(HttpContext context, bool withCredentials, string allowedMethods)
    {
        AddHeaders(context, withCredentials);
        var headers = context.Response.Headers;
        headers.AccessControlAllowMethods = allowedMethods;
        var requested = context.Request.Headers.AccessControlRequestHeaders;
        if (requested.Count > 0) headers.AccessControlAllowHeaders = requested;
        headers.AccessControlMaxAge = MaxAge;
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
