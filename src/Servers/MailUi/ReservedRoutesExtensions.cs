using Protocols.Servers.Http;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.MailUi;

/// <summary>Mounts the captured-mail page on the HTTP file server's reserved prefix.</summary>
public static class CapturedMailReservedRoutes
{
    /// <summary>Maps the page and API at <c>/_proto/{name}/</c> (default <c>/_proto/mail/</c>) of an <see cref="HttpFileServer"/>.</summary>
    /// <remarks>
    /// The page then shares the file server's origin: any HTML file under its root can read and delete the mail.
    /// Use this only when the root holds nothing untrusted; <see cref="Hosting.DevStack"/> gives the page a port of its own.
    /// </remarks>
    public static CapturedMailApp MapCapturedMail(this ReservedRoutes routes, Mail.IMailStore store, ProtocolsMetrics? metrics = null,
        CapturedMailOptions? options = null, string name = "mail")
    {
        ArgumentNullException.ThrowIfNull(routes);
        var app = new CapturedMailApp(store, metrics, options);
        routes.Map(name, app.HandleAsync, new ReservedLink("api/openapi.json", "API document (OpenAPI)"));
        return app;
    }
}
