using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting;

namespace Protocols.Servers.Smtp;

/// <summary>Wires an SMTP server into a Kestrel endpoint.</summary>
public static class SmtpListenOptionsExtensions
{
    /// <summary>
    /// Serves SMTP on this endpoint: <c>options.Listen(IPAddress.Loopback, 2525, l => l.UseSmtp(smtpOptions))</c>.
    /// With <paramref name="implicitTls"/>, TLS starts at connect (SMTPS, RFC 8314); needs a certificate.
    /// Returns the handler (for its <see cref="Lines.LineConnectionHandler.ActiveSessions"/>).
    /// </summary>
    public static SmtpConnectionHandler UseSmtp(this ListenOptions listenOptions, SmtpServerOptions options, bool implicitTls = false)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var handler = new SmtpConnectionHandler(options, implicitTls);
        if (implicitTls)
        {
            var tls = options.GetTlsOptions()!;
            listenOptions.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = _ => ValueTask.FromResult(tls),
                HandshakeTimeout = TimeSpan.FromSeconds(30),
            });
        }
        listenOptions.Run(handler.OnConnectedAsync);
        return handler;
    }
}
