using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Http;
using Protocols.Servers.Imap;
using Protocols.Servers.Mail;
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
        CapturedMailDirectory? directory, X509Certificate2? certificate, DevStackOptions options, CapturedMailApp mailApp, IMailStore mailStore)
    {
        MailStore = mailStore;
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

    /// <summary>IMAP (IMAPS with <see cref="DevStackOptions.Tls"/>) over <see cref="MailStore"/>.</summary>
    public IPEndPoint Imap => Host.GetEndPoint("imap");

    /// <summary>The mail store IMAP reads: every message SMTP accepts is appended to it.</summary>
    public IMailStore MailStore { get; }

    /// <summary>The captured-mail page and API's endpoint.</summary>
    public IPEndPoint Mail => Host.GetEndPoint("mail");

    /// <summary>The captured-mail page (the root of the mail endpoint; the API is under <c>api/</c>).</summary>
    public Uri MailPage => new(Host["mail"].ToString());

    /// <summary>The POP3S endpoint, when <see cref="DevStackOptions.Pop3TlsPort"/> asked for one.</summary>
    public IPEndPoint? Pop3Tls => Host.Endpoints.Any(e => e.Name == "pop3s") ? Host.GetEndPoint("pop3s") : null;

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
        IMailStore? mailStore = null;
        try
        {
            mailStore = await MailStores.OpenAsync(null, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The SMTP session counts each message once; the capture feeds the page and POP3, the mail store IMAP.
            IMessageStore store = new CompositeMessageStore(new CapturedMailSmtpStore(capture), MailStoreSmtpAdapter.For(mailStore));
            if (settings.Store is not null)
            {
                directory = new CapturedMailDirectory(capture, settings.Store);
                await directory.LoadAsync(cancellationToken).ConfigureAwait(false);
                store = new CompositeMessageStore(new DirectoryMessageStore(settings.Store), store);
            }

            var builder = new ProtocolsHostBuilder(loggerFactory);
            var smtpOptions = new SmtpServerOptions { Store = store, Certificate = certificate, LoggerFactory = loggerFactory, Metrics = metrics };
            if (settings.MaxSize is { } maxSize) smtpOptions.Limits.MaxMessageSize = maxSize;
            builder.AddEndpoint("smtp", EndpointKind.Tcp, new IPEndPoint(address, settings.SmtpPort), listen => listen.UseSmtp(smtpOptions));

            var maildrop = Pop3MailboxProvider.Shared(new CapturedMailPop3Mailbox(capture), settings.User, settings.Password);
            builder.AddPop3Server(maildrop, new Pop3ServerOptions { Certificate = certificate }, new IPEndPoint(address, settings.Pop3Port), metrics: metrics);
            if (certificate is not null && settings.Pop3TlsPort is { } pop3s) // options of its own: AddPop3Server marks them implicit-TLS
                builder.AddPop3Server(maildrop, new Pop3ServerOptions(), new IPEndPoint(address, pop3s), new EndpointTls(certificate), metrics, "pop3s");

            var imap = new ImapServer(mailStore, new ImapServerOptions { Certificate = certificate }, metrics, builder.LoggerFactory.CreateLogger("Protocols.Servers.Imap"));
            builder.AddImapServer(imap, new IPEndPoint(address, settings.ImapPort), certificate is null ? null : new EndpointTls(certificate));

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
            if (settings.MaxSize is { } maxUpload) httpOptions.MaxUploadBytes = maxUpload;
            var files = new HttpFileServer(httpOptions, loggerFactory?.CreateLogger("Protocols.Servers.Http"));
            var mailEndpoint = builder.AddHttpEndpoint("mail", new IPEndPoint(address, settings.MailPort),
                MailOrigin.Guard(mailApp.HandleAsync, httpOptions.AllowedHosts, metrics), tls);
            httpOptions.ReservedRoutes.Map("mail", context => MailOrigin.RedirectAsync(context, mailEndpoint));
            builder.AddHttpEndpoint("http", new IPEndPoint(address, settings.HttpPort), context => MailOrigin.CountedAsync(files.HandleAsync, metrics, context), tls);

            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DevStack(host, capture, metrics, directory, certificate, settings, mailApp, mailStore);
        }
        catch
        {
            if (mailStore is not null) await mailStore.DisposeAsync().ConfigureAwait(false);
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
        await MailStore.DisposeAsync().ConfigureAwait(false);
        _directory?.Dispose();
        Metrics.Dispose();
        _certificate?.Dispose();
    }
}
