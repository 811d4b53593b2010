using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Ftp;

/// <summary>Wires FTP into a Kestrel host: <c>services.AddFtpServer(o =&gt; ...)</c> and <c>listen.UseFtp()</c>.</summary>
public static class FtpListenOptionsExtensions
{
    /// <summary>Registers the options and the shared state (connection counts, passive ports) of one FTP server.</summary>
    public static IServiceCollection AddFtpServer(this IServiceCollection services, Action<FtpServerOptions>? configure = null)
    {
        var options = new FtpServerOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddSingleton(new FtpServerState(options));
        return services;
    }

    /// <summary>Serves FTP on this endpoint with the registered server (see <see cref="AddFtpServer"/>); implicit FTPS when asked.</summary>
    public static ListenOptions UseFtp(this ListenOptions listen, bool implicitTls = false)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var state = listen.ApplicationServices.GetRequiredService<FtpServerState>();
        return listen.UseFtp(state, implicitTls);
    }

    /// <summary>
    /// Serves FTP on this endpoint with the given server state (its options, limits and ports). Implicit FTPS: TLS
    /// before the first byte of FTP, by Kestrel's TLS middleware in front of the handler (as for POP3 and SMTP).
    /// </summary>
    public static ListenOptions UseFtp(this ListenOptions listen, FtpServerState state, bool implicitTls = false, ProtocolsMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(state);
        if (implicitTls) listen.UseHttps(state.Options.Certificate ?? throw new ArgumentException("implicit FTPS needs FtpServerOptions.Certificate", nameof(implicitTls)));
        var logger = listen.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger<FtpConnectionHandler>();
        var handler = new FtpConnectionHandler(state, implicitTls, logger, metrics);
        listen.Run(handler.OnConnectedAsync);
        return listen;
    }
}
