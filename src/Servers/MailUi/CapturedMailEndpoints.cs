using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.MailUi;

/// <summary>Mounts the captured-mail page and API in an ASP.NET Core app.</summary>
public static class CapturedMailEndpoints
{
    /// <summary>The default mount point, under the HTTP server's reserved prefix.</summary>
    public const string DefaultPath = "/_proto/mail";

    /// <summary>Maps the page and API at <paramref name="path"/> (the page is <c>{path}/</c>) with endpoint routing.</summary>
    public static IEndpointConventionBuilder MapCapturedMail(this IEndpointRouteBuilder endpoints, Mail.IMailStore store,
        ProtocolsMetrics? metrics = null, CapturedMailOptions? options = null, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapCapturedMail(new CapturedMailApp(store, metrics, options), path);
    }

    /// <summary>Maps an existing <see cref="CapturedMailApp"/> at <paramref name="path"/>.</summary>
    public static IEndpointConventionBuilder MapCapturedMail(this IEndpointRouteBuilder endpoints, CapturedMailApp app, string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(app);
        var basePath = new PathString("/" + path.Trim('/'));
        Task Handle(HttpContext context)
        {
            var full = context.Request.Path;
            context.Request.PathBase = context.Request.PathBase.Add(basePath);
            context.Request.Path = full.StartsWithSegments(basePath, out var rest) ? rest : PathString.Empty;
            return app.HandleAsync(context);
        }
        return endpoints.Map(basePath + "/{**rest}", Handle);
    }
}
