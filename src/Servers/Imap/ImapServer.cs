using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Servers.Mail;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Imap;

/// <summary>
/// An IMAP server over a mail store: what the sessions of one endpoint share (the store, the options, the cache of
/// message structures). Each connection runs an <see cref="ImapSession"/>: from the host's line listener (IMAPS: Kestrel) through
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
        LineServices = new LineServices(ImapSession.Protocol, Logger, metrics);
        Limits = new SessionLimits
        {
            MaxCommandLength = Options.MaxCommandLength,
            MaxBadCommands = Options.MaxBadCommands,
            MaxAuthFailures = Options.MaxAuthFailures,
            IdleTimeout = Options.IdleTimeout,
            // An IMAP client may sit between commands for the whole autologout time (RFC 9051 section 5.4).
            CommandDeadline = Options.IdleTimeout,
            TransferDeadline = Options.CommandTimeout,
        };
    }

    /// <summary>Total and per-address connection limits of the endpoints this server is on (the kernel's limiter).</summary>
    public ConnectionLimiter Limiter { get; } = new();

    internal LineServices LineServices { get; }

    internal SessionLimits Limits { get; }

    public IMailStore Store { get; }

    public ImapServerOptions Options { get; }

    internal ProtocolsMetrics? Metrics { get; }

    internal ILogger Logger { get; }

    internal MessageInfoCache Cache { get; }

    /// <summary>Runs one session over <paramref name="connection"/> until LOGOUT, the peer leaves, a timeout, or cancellation; then disposes it.</summary>
    public async Task RunSessionAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        var session = new ImapSession(connection, this, Options.ImplicitTls);
        await using (session.ConfigureAwait(false)) await session.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
