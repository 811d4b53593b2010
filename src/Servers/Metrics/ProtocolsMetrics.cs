using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Protocols.Servers.Metrics;

/// <summary>
/// Counters for every server protocol, published through <see cref="System.Diagnostics.Metrics"/> under the meter
/// <see cref="MeterName"/> (tag <c>protocol</c>: smtp, ftp, http, pop3) and kept as running totals for the mail page's
/// status line. One instance per server stack; thread-safe.
/// </summary>
public sealed class ProtocolsMetrics : IDisposable
{
    /// <summary>The meter's name, for <c>dotnet-counters monitor --counters Protocols.Servers</c> or an OpenTelemetry exporter.</summary>
    public const string MeterName = "Protocols.Servers";

    /// <summary>The process-wide instance servers count into when they are given none (still one meter, counted once).</summary>
    public static ProtocolsMetrics Shared { get; } = new();

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _rejections;
    private readonly ConcurrentDictionary<string, Totals> _totals = new(StringComparer.Ordinal);

    /// <summary>Makes the counters on a meter from <paramref name="meterFactory"/> (ASP.NET Core's DI one), or on a meter of our own.</summary>
    public ProtocolsMetrics(IMeterFactory? meterFactory = null)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }
        _connections = _meter.CreateCounter<long>("protocols.connections", "{connection}", "Connections accepted");
        _activeConnections = _meter.CreateUpDownCounter<long>("protocols.connections.active", "{connection}", "Connections open now");
        _messages = _meter.CreateCounter<long>("protocols.messages", "{message}", "Messages or files transferred");
        _bytes = _meter.CreateCounter<long>("protocols.bytes", "By", "Payload bytes transferred");
        _rejections = _meter.CreateCounter<long>("protocols.rejections", "{rejection}", "Commands, logins or messages refused");
    }

    /// <summary>A connection was accepted; dispose the result when it closes.</summary>
    public ConnectionScope ConnectionOpened(string protocol)
    {
        var tag = Tag(protocol);
        _connections.Add(1, tag);
        _activeConnections.Add(1, tag);
        var totals = TotalsOf(protocol);
        Interlocked.Increment(ref totals.Connections);
        Interlocked.Increment(ref totals.Active);
        return new ConnectionScope(this, protocol);
    }

    private void ConnectionClosed(string protocol)
    {
        _activeConnections.Add(-1, Tag(protocol));
        Interlocked.Decrement(ref TotalsOf(protocol).Active);
    }

    /// <summary>A message (or file) of <paramref name="bytes"/> was received or sent.</summary>
    public void MessageTransferred(string protocol, long bytes)
    {
        var tag = Tag(protocol);
        _messages.Add(1, tag);
        var totals = TotalsOf(protocol);
        Interlocked.Increment(ref totals.Messages);
        if (bytes > 0) BytesTransferred(protocol, bytes);
    }

    /// <summary>Payload bytes moved (without a message, e.g. a partial transfer).</summary>
    public void BytesTransferred(string protocol, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        _bytes.Add(bytes, Tag(protocol));
        Interlocked.Add(ref TotalsOf(protocol).Bytes, bytes);
    }

    /// <summary>Something was refused: a bad command, a failed login, a message over the limit. <paramref name="reason"/> is a short fixed token.</summary>
    public void Rejected(string protocol, string reason)
    {
        _rejections.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("reason", reason));
        Interlocked.Increment(ref TotalsOf(protocol).Rejections);
    }

    /// <summary>The running totals per protocol, ordered by name.</summary>
    public IReadOnlyList<ProtocolTotals> Snapshot() =>
        [.. _totals.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new ProtocolTotals(p.Key,
                Interlocked.Read(ref p.Value.Connections), Interlocked.Read(ref p.Value.Active),
                Interlocked.Read(ref p.Value.Messages), Interlocked.Read(ref p.Value.Bytes),
                Interlocked.Read(ref p.Value.Rejections)))];

    public void Dispose()
    {
        if (_ownsMeter) _meter.Dispose();
    }

    private Totals TotalsOf(string protocol)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        return _totals.GetOrAdd(protocol, static _ => new Totals());
    }

    private static KeyValuePair<string, object?> Tag(string protocol) => new("protocol", protocol);

    private sealed class Totals
    {
        public long Connections;
        public long Active;
        public long Messages;
        public long Bytes;
        public long Rejections;
    }

    /// <summary>Marks the end of one connection.</summary>
    public sealed class ConnectionScope : IDisposable
    {
        private readonly ProtocolsMetrics _owner;
        private readonly string _protocol;
        private int _disposed;

        internal ConnectionScope(ProtocolsMetrics owner, string protocol)
        {
            _owner = owner;
            _protocol = protocol;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) _owner.ConnectionClosed(_protocol);
        }
    }
}

/// <summary>Totals for one protocol since the server started.</summary>
public sealed record ProtocolTotals(string Protocol, long Connections, long ActiveConnections, long Messages, long Bytes, long Rejections);
