using System.Net;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Imap;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Imap;

/// <summary>SMTP, IMAP (STARTTLS offered) and IMAPS on port 0 over one SQLite store, for the interop tests.</summary>
internal sealed class ImapInteropHost : IAsyncDisposable
{
    private readonly ProtocolsHost _host;
    private readonly X509Certificate2 _certificate;

    private ImapInteropHost(ProtocolsHost host, IMailStore store, X509Certificate2 certificate)
    {
        _host = host;
        Store = store;
        _certificate = certificate;
    }

    public IMailStore Store { get; }

    public int SmtpPort => _host.GetEndPoint("smtp").Port;

    public int ImapPort => _host.GetEndPoint("imap").Port;

    public int ImapsPort => _host.GetEndPoint("imaps").Port;

    public static async Task<ImapInteropHost> StartAsync(ImapServerOptions? options = null)
    {
        var store = await MailStores.OpenAsync(null);
        var certificate = SelfSignedCertificate.Create();
        options ??= new ImapServerOptions();
        options.Certificate ??= certificate;
        var server = new ImapServer(store, options);
        var builder = new ProtocolsHostBuilder();
        var smtp = new SmtpServerOptions { Store = new MailStoreSmtpStore(store) };
        builder.AddLineEndpoint("smtp", new IPEndPoint(IPAddress.Loopback, 0), new SmtpConnectionHandler(smtp));
        builder.AddImapServer(server, new IPEndPoint(IPAddress.Loopback, 0));
        builder.AddImapServer(server, new IPEndPoint(IPAddress.Loopback, 0), new EndpointTls(certificate), "imaps");
        var host = await builder.StartAsync();
        return new ImapInteropHost(host, store, certificate);
    }

    public async Task<MailSummary> AppendAsync(string raw, string to = "bob@example.com") =>
        await Store.AppendAsync(new MailToAppend(System.Text.Encoding.UTF8.GetBytes(raw), "sender@example.com", [to]));

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await Store.DisposeAsync();
        _certificate.Dispose();
    }
}
