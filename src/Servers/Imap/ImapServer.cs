using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;
using Protocols.Servers.Mail;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Imap;

/// <summary>
/// An IMAP server over a mail store: what the sessions of one endpoint share (the store, the options, the cache of
/// message structures). Each connection runs an <see cref="ImapSession"/>: from Kestrel through
/// <see cref="ImapHostingExtensions"/>, or over any <see cref="Connection"/> with <see cref="RunSessionAsync(Connection, CancellationToken)"/>.
/// </summary>
public sealed class ImapServer
{
    public ImapServer(IMailStore store, ImapServerOptions? options = null, ProtocolsMetrics? metrics = null, ILogger? logger = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Options = options ?? new ImapServerOptions();
        Metrics = metrics;
        Logger = logger ?? NullLogger.Instance;
        Cache = new MessageInfoCache(Options.StructureCacheBytes);
    }

    public IMailStore Store { get; }

    public ImapServerOptions Options { get; }

    internal ProtocolsMetrics? Metrics { get; }

    internal ILogger Logger { get; }

    internal MessageInfoCache Cache { get; }

    /// <summary>Runs one session over <paramref name="connection"/> until LOGOUT, the peer leaves, a timeout, or cancellation; then disposes it.</summary>
    public Task RunSessionAsync(Connection connection, CancellationToken cancellationToken = default) =>
        new ImapSession(connection, this, Options.ImplicitTls).RunAsync(cancellationToken);

    /// <summary>As <see cref="RunSessionAsync(Connection, CancellationToken)"/>, saying whether the host put TLS in front (an IMAPS endpoint).</summary>
    internal Task RunSessionAsync(Connection connection, bool implicitTls, CancellationToken cancellationToken) =>
        new ImapSession(connection, this, implicitTls).RunAsync(cancellationToken);
}
