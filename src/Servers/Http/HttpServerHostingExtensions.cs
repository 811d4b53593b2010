using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Hosting;

namespace Protocols.Servers.Http;

/// <summary>Adds the static file server to a <see cref="ProtocolsHostBuilder"/>.</summary>
public static class HttpServerHostingExtensions
{
    /// <summary>
    /// Serves <see cref="HttpServerOptions.Root"/> on <paramref name="endPoint"/> (port 0 for any free port), with
    /// implicit TLS when <paramref name="tls"/> is given. Returns the file server (map reserved routes on it).
    /// </summary>
    public static HttpFileServer AddHttpServer(this ProtocolsHostBuilder builder, HttpServerOptions options, IPEndPoint endPoint,
        EndpointTls? tls = null, string name = "http")
    {
        ArgumentNullException.ThrowIfNull(builder);
        var server = new HttpFileServer(options, builder.LoggerFactory.CreateLogger("Protocols.Servers.Http"));
        builder.AddHttpEndpoint(name, endPoint, server.HandleAsync, tls);
        return server;
    }
}
