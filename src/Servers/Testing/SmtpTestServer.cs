using System.Net;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Hosting;
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
    private readonly ProtocolsHost _host;
    private readonly InMemoryMessageStore _store;

    private SmtpTestServer(ProtocolsHost host, InMemoryMessageStore store, SmtpServerOptions options, SmtpFaultScript faults)
    {
        _host = host;
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

        // The one hosting path (ProtocolsHostBuilder), as SmtpServer and the dev stack use.
        var builder = new ProtocolsHostBuilder();
        builder.AddEndpoint("smtp", EndpointKind.Tcp, new IPEndPoint(IPAddress.Loopback, 0), l => l.UseSmtp(options));
        builder.AddEndpoint("smtps", EndpointKind.Tcp, new IPEndPoint(IPAddress.Loopback, 0), l => l.UseSmtp(options, implicitTls: true));
        try
        {
            var host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
            return new SmtpTestServer(host, store, options, faults);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"the SMTP test server could not start: {e.Message}", e);
        }
    }

    /// <summary>Returns the first message (received or arriving) matching <paramref name="predicate"/>;
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(Func<ReceivedMessage, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _store.WaitForMessageAsync(predicate, timeout, cancellationToken);

    /// <summary>Waits for the next message, whatever it is.</summary>
    public Task<ReceivedMessage> WaitForMessageAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _store.WaitForMessageAsync(null, timeout, cancellationToken);

    /// <summary>Forgets received messages and scripted faults.</summary>
    public void Reset()
    {
        _store.Clear();
        Faults.Clear();
    }

    public async ValueTask DisposeAsync() => await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
}
