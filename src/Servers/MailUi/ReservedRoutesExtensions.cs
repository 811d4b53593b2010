using Protocols.Servers.Http;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.MailUi;

/// <summary>Mounts the captured-mail page on the HTTP file server's reserved prefix.</summary>
public static class CapturedMailReservedRoutes
{
    /// <summary>Maps the page and API at <c>/_proto/{name}/</c> (default <c>/_proto/mail/</c>) of an <see cref="HttpFileServer"/>.</summary>
    public static CapturedMailApp MapCapturedMail(this ReservedRoutes routes, Mail.IMailStore store, ProtocolsMetrics? metrics = null,
        CapturedMailOptions? options = null, string name = "mail")
    {
        ArgumentNullException.ThrowIfNull(routes);
        var app = new CapturedMailApp(store, metrics, options);
        routes.Map(name, app.HandleAsync);
        return app;
    }
}
