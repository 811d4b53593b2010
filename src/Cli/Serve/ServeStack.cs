using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;
using Protocols.Servers.MailUi;
using Protocols.Servers.Metrics;
using Protocols.Servers.Pop3;
using Protocols.Servers.Smtp;

namespace Protocols.Cli.Serve;

/// <summary>
/// The whole dev stack on one Kestrel server: SMTP capturing every message, POP3 over the capture, FTP over the root
/// (read-only unless writable), HTTP serving the root with the captured-mail page under <c>/_proto/mail/</c>.
/// </summary>
internal sealed class ServeStack : IAsyncDisposable
{
    private readonly SmtpMeterBridge _bridge;
    private readonly CapturedMailDirectory? _directory;
    private readonly X509Certificate2? _certificate;
    private readonly CapturedMailApp _mailApp;

    private ServeStack(ProtocolsHost host, CapturedMailStore capture, ProtocolsMetrics metrics, SmtpMeterBridge bridge,
        CapturedMailDirectory? directory, X509Certificate2? certificate, ServeSettings settings, CapturedMailApp mailApp)
    {
        _mailApp = mailApp;
        Host = host;
        Capture = capture;
        Metrics = metrics;
        _bridge = bridge;
        _directory = directory;
        _certificate = certificate;
        Settings = settings;
    }

    public ProtocolsHost Host { get; }

    public CapturedMailStore Capture { get; }

    public ProtocolsMetrics Metrics { get; }

    public ServeSettings Settings { get; }

    public IPEndPoint Smtp => Host.GetEndPoint("smtp");

    public IPEndPoint Ftp => Host.GetEndPoint("ftp");

    public IPEndPoint Pop3 => Host.GetEndPoint("pop3");

    public IPEndPoint Http => Host.GetEndPoint("http");

    /// <summary>The captured-mail page.</summary>
    public Uri MailPage => new(Host["http"] + "_proto/mail/");

    /// <summary>Binds every endpoint; returns when all listen. Throws <see cref="EndpointBindException"/> when a port is taken.</summary>
    public static async Task<ServeStack> StartAsync(ServeSettings settings, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = IPAddress.Parse(settings.Host);
        var root = Path.GetFullPath(settings.Root);
        var metrics = new ProtocolsMetrics();
        var bridge = new SmtpMeterBridge(metrics);
        var capture = new CapturedMailStore();
        var certificate = settings.Tls ? SelfSignedCertificate.Create(null, settings.Host) : null;
        CapturedMailDirectory? directory = null;
        try
        {
            IMessageStore store = new CapturedMailSmtpStore(capture, metrics);
            if (settings.Store is not null)
            {
                directory = new CapturedMailDirectory(capture, settings.Store);
                await directory.LoadAsync(cancellationToken).ConfigureAwait(false);
                store = new CompositeMessageStore(new DirectoryMessageStore(settings.Store), store);
            }

            var builder = new ProtocolsHostBuilder(loggerFactory);
            var smtpOptions = new SmtpServerOptions { Store = store, Certificate = certificate, LoggerFactory = loggerFactory };
            builder.AddEndpoint("smtp", EndpointKind.Tcp, new IPEndPoint(address, settings.SmtpPort), listen =>
            {
                listen.UseConnectionMetrics(metrics, "smtp");
                listen.UseSmtp(smtpOptions);
            });

            builder.AddPop3Server(Pop3MailboxProvider.Shared(new CapturedMailPop3Mailbox(capture)),
                new Pop3ServerOptions { Certificate = certificate }, new IPEndPoint(address, settings.Pop3Port), metrics: metrics);

            var ftpOptions = new FtpServerOptions
            {
                Authenticator = new FtpUserStore().AllowAnonymous(new DiskFileSystem(root), canWrite: settings.Write),
                Certificate = certificate,
            };
            var ftpState = new FtpServerState(ftpOptions);
            builder.AddEndpoint("ftp", EndpointKind.Tcp, new IPEndPoint(address, settings.FtpPort), listen =>
            {
                listen.UseConnectionMetrics(metrics, "ftp");
                listen.UseFtp(ftpState);
            });

            var httpOptions = new HttpServerOptions { Root = root, AllowUploads = settings.Write };
            var files = new HttpFileServer(httpOptions, loggerFactory?.CreateLogger("Protocols.Servers.Http"));
            var mailApp = httpOptions.ReservedRoutes.MapCapturedMail(capture, metrics);
            builder.AddHttpEndpoint("http", new IPEndPoint(address, settings.HttpPort), context => CountedAsync(files, metrics, context),
                certificate is null ? null : new EndpointTls(certificate));

            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ServeStack(host, capture, metrics, bridge, directory, certificate, settings, mailApp);
        }
        catch
        {
            directory?.Dispose();
            bridge.Dispose();
            metrics.Dispose();
            certificate?.Dispose();
            throw;
        }
    }

    private static async Task CountedAsync(HttpFileServer files, ProtocolsMetrics metrics, Microsoft.AspNetCore.Http.HttpContext context)
    {
        await files.HandleAsync(context).ConfigureAwait(false);
        metrics.MessageTransferred("http", context.Response.ContentLength ?? 0);
        if (context.Response.StatusCode >= 400) metrics.Rejected("http", context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The startup banner: every endpoint and the page's address.</summary>
    public IReadOnlyList<string> Banner()
    {
        var root = Path.GetFullPath(Settings.Root);
        var tls = Settings.Tls;
        return
        [
            "proto serve: SMTP, POP3, FTP and HTTP in one process",
            $"  SMTP   {Smtp}   captures every message{(tls ? " (STARTTLS offered)" : "")}",
            $"  POP3   {Pop3}   reads the captured mail, any user and password{(tls ? " (STLS offered)" : "")}",
            $"  FTP    {Ftp}   {root} ({(Settings.Write ? "read-write" : "read-only")}, user anonymous){(tls ? " (AUTH TLS offered)" : "")}",
            $"  HTTP   {Host["http"]}   {root}{(Settings.Write ? " (uploads on)" : "")}",
            $"  Mail   {MailPage}   the captured mail, live",
            Settings.Store is null ? "  Mail is kept in memory." : $"  Mail is kept as .eml files under {Path.GetFullPath(Settings.Store)}.",
            tls ? "  TLS uses a self-signed certificate made now (curl -k, swaks --tls-verify off)." : "",
            "Press Ctrl+C to stop.",
        ];
    }

    public async ValueTask DisposeAsync()
    {
        _mailApp.Stop(); // open pages' live streams end now instead of holding the stop for its grace period
        await Host.DisposeAsync().ConfigureAwait(false);
        _directory?.Dispose();
        _bridge.Dispose();
        Metrics.Dispose();
        _certificate?.Dispose();
    }
}
