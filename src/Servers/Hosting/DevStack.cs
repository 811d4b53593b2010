using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Http;
using Protocols.Servers.Imap;
using Protocols.Servers.Lines;
using Protocols.Servers.Mail;
using Protocols.Servers.MailUi;
using Protocols.Servers.Metrics;
using Protocols.Servers.Pop3;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The whole dev stack (what <c>proto serve</c> runs) on one host (SMTP, POP3, IMAP and FTP, implicit TLS included, on its line listener; HTTP on Kestrel), as one library call: SMTP capturing every message into one mail store (SQLite in --store DIR, a temporary SQLite without it, or PostgreSQL), POP3 over the store, FTP over the root
/// (read-only unless writable), HTTP serving the root, and the captured-mail page and API on a port of their own
/// (<see cref="MailPage"/>): a page in the root is another origin and cannot read or delete mail. The file server's
/// <c>/_proto/mail/</c> only redirects to it; its <c>/_proto/metrics</c> is the Prometheus scrape. Every HTTP endpoint refuses a foreign <c>Host</c> (DNS rebinding).
/// </summary>
public sealed class DevStack : IAsyncDisposable
{
    private readonly X509Certificate2? _certificate;
    private readonly CapturedMailApp _mailApp;
    private readonly PrometheusScrape _scrape;
    private readonly MailAutoRelay? _autoRelay;

    private DevStack(ProtocolsHost host, IMailStore store, ProtocolsMetrics metrics,
        X509Certificate2? certificate, DevStackOptions options, CapturedMailApp mailApp, PrometheusScrape scrape, MailAutoRelay? autoRelay)
    {
        _autoRelay = autoRelay;
        _scrape = scrape;
        _mailApp = mailApp;
        Host = host;
        Store = store;
        Metrics = metrics;
        _certificate = certificate;
        Options = options;
    }

    public ProtocolsHost Host { get; }

    /// <summary>The captured mail: what SMTP writes and the page, the API and POP3 read.</summary>
    public IMailStore Store { get; }

    public ProtocolsMetrics Metrics { get; }

    public DevStackOptions Options { get; }

    public IPEndPoint Smtp => Host.GetEndPoint("smtp");

    public IPEndPoint Ftp => Host.GetEndPoint("ftp");

    public IPEndPoint Pop3 => Host.GetEndPoint("pop3");

    public IPEndPoint Http => Host.GetEndPoint("http");

    /// <summary>IMAP (IMAPS with <see cref="DevStackOptions.Tls"/>) over <see cref="Store"/>.</summary>
    public IPEndPoint Imap => Host.GetEndPoint("imap");


    /// <summary>The captured-mail page and API's endpoint.</summary>
    public IPEndPoint Mail => Host.GetEndPoint("mail");

    /// <summary>The captured-mail page (the root of the mail endpoint; the API is under <c>api/</c>).</summary>
    public Uri MailPage => new(Host["mail"].ToString());

    /// <summary>The POP3S endpoint, when <see cref="DevStackOptions.Pop3TlsPort"/> asked for one.</summary>
    public IPEndPoint? Pop3Tls => Host.Endpoints.Any(e => e.Name == "pop3s") ? Host.GetEndPoint("pop3s") : null;

    /// <summary>Opens the store, then binds every endpoint; returns when all listen. Throws <see cref="EndpointBindException"/> when a
    /// port is taken and <see cref="MailStoreException"/> when the store cannot be opened.</summary>
    public static async Task<DevStack> StartAsync(DevStackOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var settings = options ?? new DevStackOptions();
        var address = IPAddress.Parse(settings.Host);
        var root = Path.GetFullPath(settings.Root);
        var metrics = new ProtocolsMetrics();
        X509Certificate2? certificate = null;
        IMailStore? mail = null;
        PrometheusScrape? scrape = null;
        MailAutoRelay? autoRelay = null;
        try
        {
            mail = await MailStores.OpenAsync(settings.Store, settings.Retention, loggerFactory?.CreateLogger("Protocols.Servers.Mail"), cancellationToken)
                .ConfigureAwait(false);
            certificate = settings.Tls ? SelfSignedCertificate.Create(null, settings.Host) : null;
            var builder = new ProtocolsHostBuilder(loggerFactory);
            var faults = new FaultScript(); // api/faults sets its rules while the server runs
            // The SMTP session counts each message once; its 250 waits for the store's commit.
            var smtpOptions = new SmtpServerOptions
            {
                Store = new MailStoreSmtpStore(mail), Certificate = certificate, LoggerFactory = loggerFactory, Metrics = metrics, RecordTranscript = true,
                Faults = faults,
            };
            if (settings.MaxSize is { } maxSize) smtpOptions.Limits.MaxMessageSize = maxSize;
            builder.AddLineEndpoint("smtp", new IPEndPoint(address, settings.SmtpPort), new SmtpConnectionHandler(smtpOptions));

            var maildrop = Pop3MailboxProvider.Shared(new MailStorePop3Mailbox(mail), settings.User, settings.Password);
            builder.AddPop3Server(maildrop, new Pop3ServerOptions { Certificate = certificate }, new IPEndPoint(address, settings.Pop3Port), metrics: metrics);
            if (certificate is not null && settings.Pop3TlsPort is { } pop3s) // options of its own: AddPop3Server marks them implicit-TLS
                builder.AddPop3Server(maildrop, new Pop3ServerOptions(), new IPEndPoint(address, pop3s), new EndpointTls(certificate), metrics, "pop3s");

            var imap = new ImapServer(mail, new ImapServerOptions { Certificate = certificate }, metrics, builder.LoggerFactory.CreateLogger("Protocols.Servers.Imap"));
            builder.AddImapServer(imap, new IPEndPoint(address, settings.ImapPort), certificate is null ? null : new EndpointTls(certificate));

            var ftpOptions = new FtpServerOptions
            {
                Authenticator = new FtpUserStore().AllowAnonymous(new DiskFileSystem(root), canWrite: settings.Write),
                Certificate = certificate,
            };
            var ftpState = new FtpServerState(ftpOptions);
            // The session counts its connection, refusals and transfers into the stack's metrics (as SMTP's and POP3's do).
            builder.AddLineEndpoint("ftp", new IPEndPoint(address, settings.FtpPort),
                new FtpConnectionHandler(ftpState, implicitTls: false, builder.LoggerFactory.CreateLogger<FtpConnectionHandler>(), metrics));

            var tls = certificate is null ? null : new EndpointTls(certificate);
            var mailApp = new CapturedMailApp(mail, metrics) { Faults = faults };
            if (settings.RelayTo is { } relayTo)
                autoRelay = new MailAutoRelay(mail, mailApp.Relay, relayTo, settings.RelayMatch ?? throw new ArgumentException("RelayTo needs RelayMatch", nameof(options)),
                    loggerFactory?.CreateLogger("Protocols.Servers.Mail"));
            var httpOptions = new HttpServerOptions { Root = root, AllowUploads = settings.Write };
            foreach (var name in settings.AllowedHosts) httpOptions.AllowedHosts.Add(name);
            if (settings.MaxSize is { } maxUpload) httpOptions.MaxUploadBytes = maxUpload;
            var files = new HttpFileServer(httpOptions, loggerFactory?.CreateLogger("Protocols.Servers.Http"));
            var mailEndpoint = builder.AddHttpEndpoint("mail", new IPEndPoint(address, settings.MailPort),
                MailOrigin.Guard(mailApp.HandleAsync, httpOptions.AllowedHosts, metrics), tls);
            httpOptions.ReservedRoutes.Map("mail", context => MailOrigin.RedirectAsync(context, mailEndpoint),
                new ReservedLink(MailOrigin.DocumentPath, "API document (OpenAPI)"));
            scrape = new PrometheusScrape();
            httpOptions.ReservedRoutes.Map("metrics", scrape.Handle);
            builder.AddHttpEndpoint("http", new IPEndPoint(address, settings.HttpPort), context => MailOrigin.CountedAsync(files.HandleAsync, metrics, context), tls);

            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DevStack(host, mail, metrics, certificate, settings, mailApp, scrape, autoRelay);
        }
        catch
        {
            if (autoRelay is not null) await autoRelay.DisposeAsync().ConfigureAwait(false);
            if (mail is not null) await mail.DisposeAsync().ConfigureAwait(false);
            scrape?.Dispose();
            metrics.Dispose();
            certificate?.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _mailApp.Stop(); // open pages' live streams end now instead of holding the stop for its grace period
        await Host.DisposeAsync().ConfigureAwait(false);
        if (_autoRelay is not null) await _autoRelay.DisposeAsync().ConfigureAwait(false); // before the store it reads
        await Store.DisposeAsync().ConfigureAwait(false); // after the host: every acknowledged message is committed
        _scrape.Dispose();
        Metrics.Dispose();
        _certificate?.Dispose();
    }
}
