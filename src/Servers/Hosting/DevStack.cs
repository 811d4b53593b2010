using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Http;
using Protocols.Servers.MailUi;
using Protocols.Servers.Metrics;
using Protocols.Servers.Pop3;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The whole dev stack (what <c>proto serve</c> runs) on one Kestrel server, as one library call: SMTP capturing every message, POP3 over the capture, FTP over the root
/// (read-only unless writable), HTTP serving the root, and the captured-mail page and API on a port of their own
/// (<see cref="MailPage"/>): a page in the root is another origin and cannot read or delete mail. The file server's
/// <c>/_proto/mail/</c> only redirects to it. Every HTTP endpoint refuses a foreign <c>Host</c> (DNS rebinding).
/// </summary>
public sealed class DevStack : IAsyncDisposable
{
    private readonly CapturedMailDirectory? _directory;
    private readonly X509Certificate2? _certificate;
    private readonly CapturedMailApp _mailApp;

    private DevStack(ProtocolsHost host, CapturedMailStore capture, ProtocolsMetrics metrics,
        CapturedMailDirectory? directory, X509Certificate2? certificate, DevStackOptions options, CapturedMailApp mailApp)
    {
        _mailApp = mailApp;
        Host = host;
        Capture = capture;
        Metrics = metrics;
        _directory = directory;
        _certificate = certificate;
        Options = options;
    }

    public ProtocolsHost Host { get; }

    public CapturedMailStore Capture { get; }

    public ProtocolsMetrics Metrics { get; }

    public DevStackOptions Options { get; }

    public IPEndPoint Smtp => Host.GetEndPoint("smtp");

    public IPEndPoint Ftp => Host.GetEndPoint("ftp");

    public IPEndPoint Pop3 => Host.GetEndPoint("pop3");

    public IPEndPoint Http => Host.GetEndPoint("http");

    /// <summary>The captured-mail page and API's endpoint.</summary>
    public IPEndPoint Mail => Host.GetEndPoint("mail");

    /// <summary>The captured-mail page (the root of the mail endpoint; the API is under <c>api/</c>).</summary>
    public Uri MailPage => new(Host["mail"].ToString());

    /// <summary>Binds every endpoint; returns when all listen. Throws <see cref="EndpointBindException"/> when a port is taken.</summary>
    public static async Task<DevStack> StartAsync(DevStackOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var settings = options ?? new DevStackOptions();
        var address = IPAddress.Parse(settings.Host);
        var root = Path.GetFullPath(settings.Root);
        var metrics = new ProtocolsMetrics();
        var capture = new CapturedMailStore();
        var certificate = settings.Tls ? SelfSignedCertificate.Create(null, settings.Host) : null;
        CapturedMailDirectory? directory = null;
        try
        {
            IMessageStore store = new CapturedMailSmtpStore(capture); // the SMTP session counts each message once
            if (settings.Store is not null)
            {
                directory = new CapturedMailDirectory(capture, settings.Store);
                await directory.LoadAsync(cancellationToken).ConfigureAwait(false);
                store = new CompositeMessageStore(new DirectoryMessageStore(settings.Store), store);
            }

            var builder = new ProtocolsHostBuilder(loggerFactory);
            var smtpOptions = new SmtpServerOptions { Store = store, Certificate = certificate, LoggerFactory = loggerFactory, Metrics = metrics };
            builder.AddEndpoint("smtp", EndpointKind.Tcp, new IPEndPoint(address, settings.SmtpPort), listen => listen.UseSmtp(smtpOptions));

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

            var tls = certificate is null ? null : new EndpointTls(certificate);
            var mailApp = new CapturedMailApp(capture, metrics);
            var httpOptions = new HttpServerOptions { Root = root, AllowUploads = settings.Write };
            foreach (var name in settings.AllowedHosts) httpOptions.AllowedHosts.Add(name);
            var files = new HttpFileServer(httpOptions, loggerFactory?.CreateLogger("Protocols.Servers.Http"));
            var mailEndpoint = builder.AddHttpEndpoint("mail", new IPEndPoint(address, settings.MailPort),
                MailOrigin.Guard(mailApp.HandleAsync, httpOptions.AllowedHosts, metrics), tls);
            httpOptions.ReservedRoutes.Map("mail", context => MailOrigin.RedirectAsync(context, mailEndpoint));
            builder.AddHttpEndpoint("http", new IPEndPoint(address, settings.HttpPort), context => MailOrigin.CountedAsync(files.HandleAsync, metrics, context), tls);

            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DevStack(host, capture, metrics, directory, certificate, settings, mailApp);
        }
        catch
        {
            directory?.Dispose();
            metrics.Dispose();
            certificate?.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _mailApp.Stop(); // open pages' live streams end now instead of holding the stop for its grace period
        await Host.DisposeAsync().ConfigureAwait(false);
        _directory?.Dispose();
        Metrics.Dispose();
        _certificate?.Dispose();
    }
}
