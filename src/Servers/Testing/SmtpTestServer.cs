using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using MimeKit;
using Protocols.Net;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Testing;

/// <summary>
/// A throwaway SMTP server for integration tests: bound to 127.0.0.1 on free ports and accepting when
/// <see cref="StartAsync"/> returns; a plain endpoint (with STARTTLS) and an implicit-TLS endpoint, both with a
/// certificate made on the fly; every message kept in memory; scripted faults.
/// <code>
/// await using var smtp = await SmtpTestServer.StartAsync();
/// // ... send to smtp.Host:smtp.Port ...
/// var message = await smtp.WaitForMessageAsync(m =&gt; m.To.Contains("bob@example.org"), TimeSpan.FromSeconds(10));
/// </code>
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly WebApplication _server;
    private readonly InMemoryMessageStore _store;
    private readonly ListenOptions _plain;
    private readonly ListenOptions _tls;

    private SmtpTestServer(WebApplication server, InMemoryMessageStore store, SmtpServerOptions options,
        ListenOptions plain, ListenOptions tls, SmtpFaultScript faults)
    {
        _server = server;
        _store = store;
        Options = options;
        _plain = plain;
        _tls = tls;
        Faults = faults;
    }

    /// <summary>The options the server runs with (change limits and hooks before sending; they are read live).</summary>
    public SmtpServerOptions Options { get; }

    /// <summary>Scripted faults; see <see cref="SmtpFaultScript"/>.</summary>
    public SmtpFaultScript Faults { get; }

    /// <summary>"127.0.0.1".</summary>
    public string Host => "127.0.0.1";

    /// <summary>The plain endpoint's port (STARTTLS offered).</summary>
    public int Port => ((IPEndPoint)_plain.EndPoint).Port;

    /// <summary>The implicit-TLS (SMTPS) endpoint's port.</summary>
    public int TlsPort => ((IPEndPoint)_tls.EndPoint).Port;

    /// <summary>The plain endpoint.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_plain.EndPoint;

    /// <summary>The server certificate (self-signed, for localhost and 127.0.0.1).</summary>
    public X509Certificate2 Certificate => Options.Certificate!;

    /// <summary>Messages received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => _store.Messages;

    /// <summary>
    /// Starts a server. <paramref name="configure"/> may set limits, extensions, hooks, an authenticator
    /// (e.g. <c>o.Authenticator = SmtpAuthenticator.Single("user", "pass")</c>) or another store (messages then
    /// go to both).
    /// </summary>
    public static async Task<SmtpTestServer> StartAsync(Action<SmtpServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new SmtpServerOptions { Certificate = SelfSignedCertificate.Create() };
        var defaultStore = options.Store;
        configure?.Invoke(options);
        var store = new InMemoryMessageStore();
        options.Store = ReferenceEquals(options.Store, defaultStore) ? store : new CompositeMessageStore(options.Store, store);
        var faults = new SmtpFaultScript();
        options.Faults = faults;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        ListenOptions? plain = null, tls = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => { plain = l; l.UseSmtp(options); });
            k.Listen(IPAddress.Loopback, 0, l => { tls = l; l.UseSmtp(options, implicitTls: true); });
        });
        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"the SMTP test server could not start: {e.Message}", e);
        }
        return new SmtpTestServer(app, store, options, plain!, tls!, faults);
    }

    /// <summary>Returns the first message (received or arriving) matching <paramref name="predicate"/>;
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(Func<ReceivedMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _store.WaitForMessageAsync(predicate, timeout, cancellationToken);

    /// <summary>Returns the first message (received or arriving) whose MimeKit view matches <paramref name="predicate"/>
    /// (e.g. <c>m =&gt; m.Subject == "Welcome"</c>); <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// A message MimeKit cannot parse (or too large to, see <see cref="MailParser.MaxParsedSize"/>) does not match.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(Func<MimeMessage, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _store.WaitForMessageAsync(m => TryParse(m) is { } parsed && predicate(parsed), timeout, cancellationToken);
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
        _store.WaitForMessageAsync(null, timeout, cancellationToken);

    /// <summary>Forgets received messages and scripted faults.</summary>
    public void Reset()
    {
        _store.Clear();
        Faults.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _server.StopAsync(cts.Token).ConfigureAwait(false);
        }
        finally
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
