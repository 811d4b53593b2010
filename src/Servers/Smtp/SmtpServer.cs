using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Hosting;

namespace Protocols.Servers.Smtp;

/// <summary>
/// A standalone SMTP server (a <see cref="LineServer"/>): one plain endpoint (STARTTLS when a certificate is set) on
/// the host's own accept loop and optionally an implicit-TLS (SMTPS) one, also a line endpoint (the handshake at accept).
/// </summary>
public sealed class SmtpServer : LineServer
{
    // How long a client gets for the SMTPS handshake.
    internal static readonly TimeSpan ImplicitTlsHandshakeTimeout = TimeSpan.FromSeconds(30);

    private SmtpServer(Started started, SmtpServerOptions options, bool implicitTls)
        : base(started, "smtp", implicitTls ? "smtps" : null) => Options = options;

    public SmtpServerOptions Options { get; }

    public static async Task<SmtpServer> StartAsync(SmtpServerOptions options, IPEndPoint endPoint, IPEndPoint? implicitTlsEndPoint = null,
        Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endPoint);
        var started = await StartHostAsync(logging, builder =>
        {
            if (options.InlineScheduling) builder.ConfigureSockets(s => s.UnsafePreferInlineScheduling = true);
            builder.AddLineEndpoint("smtp", endPoint, new SmtpConnectionHandler(options));
            if (implicitTlsEndPoint is not null)
                builder.AddLineEndpoint("smtps", implicitTlsEndPoint, new SmtpConnectionHandler(options, implicitTls: true), options.GetTlsOptions()!, ImplicitTlsHandshakeTimeout);
        }, cancellationToken).ConfigureAwait(false);
        return new SmtpServer(started, options, implicitTlsEndPoint is not null);
    }
}
