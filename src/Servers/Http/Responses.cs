using System.Text;
using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.Http;

/// <summary>Short plain-text answers for errors and redirects.</summary>
internal static class Responses
{
    public static Task TextAsync(HttpContext context, int status, string text)
    {
        var response = context.Response;
        if (response.HasStarted) { context.Abort(); return Task.CompletedTask; }
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(bytes).AsTask();
    }

    public static Task StatusAsync(HttpContext context, int status) =>
        TextAsync(context, status, $"{status} {ReasonPhrase(status)}\n");

    /// <summary>A redirect to a path on this origin. A location that a browser would read as another host
    /// (<c>//host/</c>, <c>/\host/</c>) loses its extra leading slashes: <c>/host/</c>, still here.</summary>
    public static Task RedirectAsync(HttpContext context, int status, string location)
    {
        if (location.StartsWith('/')) location = "/" + location.TrimStart('/', '\\');
        context.Response.Headers.Location = location;
        return StatusAsync(context, status);
    }

    public static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        301 => "Moved Permanently",
        303 => "See Other",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };
}
