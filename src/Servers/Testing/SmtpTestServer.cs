using System.Net;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Testing;

/// <summary>
/// A throwaway SMTP server for integration tests: bound to 127.0.0.1 on free ports and accepting when
/// <c>StartAsync</c> returns; a plain endpoint (with STARTTLS) and an implicit-TLS endpoint, both with a
/// certificate made on the fly; messages stored in the one mail store (<see cref="IMailStore"/>: by default a temporary
/// SQLite store deleted at dispose, or one the caller gives, e.g. to read the same mail over IMAP or POP3); scripted faults.
/// <code>
/// await using var smtp = await SmtpTestServer.StartAsync();
/// // ... send to smtp.Host:smtp.Port ...
/// var message = await smtp.WaitForMessageAsync(m =&gt; m.To.Contains("bob@example.org"), TimeSpan.FromSeconds(10));
/// </code>
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly ProtocolsHost _host;
    private readonly SmtpTestMessages _store;
    private readonly bool _ownsMail;

    private SmtpTestServer(ProtocolsHost host, IMailStore mail, bool ownsMail, SmtpTestMessages store, SmtpServerOptions options, SmtpFaultScript faults)
    {
        _host = host;
        Store = mail;
        _ownsMail = ownsMail;
        _store = store;
        Options = options;
        Faults = faults;
    }

    /// <summary>The options the server runs with (change limits and hooks before sending; they are read live).</summary>
    public SmtpServerOptions Options { get; }

    /// <summary>Scripted faults; see <see cref="SmtpFaultScript"/>.</summary>
    public SmtpFaultScript Faults { get; }

    /// <summary>"127.0.0.1".</summary>
    public string Host => "127.0.0.1";

    /// <summary>The plain endpoint's port (STARTTLS offered).</summary>
    public int Port => EndPoint.Port;

    /// <summary>The implicit-TLS (SMTPS) endpoint's port.</summary>
    public int TlsPort => _host.GetEndPoint("smtps").Port;

    /// <summary>The plain endpoint.</summary>
    public IPEndPoint EndPoint => _host.GetEndPoint("smtp");

    /// <summary>The server certificate (self-signed, for localhost and 127.0.0.1).</summary>
    public X509Certificate2 Certificate => Options.Certificate!;

    /// <summary>The mail store messages go to (give it to an IMAP or POP3 server to read them there).</summary>
    public IMailStore Store { get; }

    /// <summary>Messages received since start or the last <see cref="Reset"/>, oldest first, as received (envelope
    /// parameters included). Bounded: only the newest <c>1000</c> messages and <c>64 MiB</c> are kept here; every message
    /// stays in <see cref="Store"/>, and <see cref="WaitForMessageAsync(Func{ReceivedMessage, bool}?, TimeSpan, CancellationToken)"/>
    /// reads from there.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => _store.Recent;

    /// <summary>
    /// Starts a server. <paramref name="configure"/> may set limits, extensions, hooks, an authenticator
    /// (e.g. <c>o.Authenticator = SmtpAuthenticator.Single("user", "pass")</c>) or another store (messages then
    /// go to both).
    /// </summary>
    public static Task<SmtpTestServer> StartAsync(Action<SmtpServerOptions>? configure = null, CancellationToken cancellationToken = default) =>
        StartAsync(null, configure, cancellationToken);

    /// <summary>
    /// Starts a server that stores into <paramref name="mail"/> (the caller keeps and disposes it; several servers may
    /// share it); null: a temporary SQLite store, deleted when the server is disposed.
    /// </summary>
    public static async Task<SmtpTestServer> StartAsync(IMailStore? mail, Action<SmtpServerOptions>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var options = new SmtpServerOptions { Certificate = SelfSignedCertificate.Create() };
        var defaultStore = options.Store;
        configure?.Invoke(options);
        var ownsMail = mail is null;
        mail ??= await MailStores.OpenAsync(null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var store = new SmtpTestMessages(mail);
        options.Store = ReferenceEquals(options.Store, defaultStore) ? store : new CompositeMessageStore(options.Store, store);
        var faults = new SmtpFaultScript();
        options.Faults = faults;

        // The one hosting path (ProtocolsHostBuilder), as SmtpServer and the dev stack use: SMTP and SMTPS on its line listener.
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", new IPEndPoint(IPAddress.Loopback, 0), new SmtpConnectionHandler(options));
        builder.AddLineEndpoint("smtps", new IPEndPoint(IPAddress.Loopback, 0), new SmtpConnectionHandler(options, implicitTls: true), options.GetTlsOptions()!,
            SmtpServer.ImplicitTlsHandshakeTimeout);
        try
        {
            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new SmtpTestServer(host, mail, ownsMail, store, options, faults);
        }
        catch (Exception e)
        {
            store.Dispose();
            if (ownsMail) await mail.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException) throw;
            throw new InvalidOperationException($"the SMTP test server could not start: {e.Message}", e);
        }
    }

    /// <summary>Returns the first message (received since start or the last <see cref="Reset"/>, oldest first, or
    /// arriving) matching <paramref name="predicate"/>; <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// Reads from <see cref="Store"/> a page at a time, so it holds no more than the message it returns; a message older
    /// than what <see cref="Messages"/> keeps is read back with the envelope's addresses only (no MAIL/RCPT parameters).</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(Func<ReceivedMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _store.WaitAsync(predicate ?? (static _ => true), timeout, cancellationToken);

    /// <summary>Returns the first message (received or arriving) whose MimeKit view matches <paramref name="predicate"/>
    /// (e.g. <c>m =&gt; m.Subject == "Welcome"</c>); <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// A message MimeKit cannot parse (or too large to, see <see cref="MailParser.MaxParsedSize"/>) does not match.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(Func<MimeMessage, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _store.WaitAsync(m => TryParse(m) is { } parsed && predicate(parsed), timeout, cancellationToken);
    }

    private static MimeMessage? TryParse(ReceivedMessage message)
    {
        try
        {
            return message.Message;
        }
        catch (Exception e) when (e is FormatException or MessageTooLargeToParseException)
        {
            return null;
        }
    }

    /// <summary>Waits for the next message, whatever it is.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForMessageAsync((Func<ReceivedMessage, bool>?)null, timeout, cancellationToken);

    /// <summary>Forgets received messages (<see cref="Messages"/> and waits start after them; <see cref="Store"/> keeps
    /// them for its other readers) and scripted faults.</summary>
    public void Reset()
    {
        _store.Reset();
        Faults.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        finally
        {
            _store.Dispose();
            if (_ownsMail) await Store.DisposeAsync().ConfigureAwait(false);
        }
    }
}
