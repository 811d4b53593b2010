using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Mail.Sql;

/// <summary>
/// The log of retention's prunings, at most one line per rule a second: the first pruning after a quiet second is
/// logged at once, the ones in the next second are added up and logged when it is over. With <c>--keep</c> under load
/// every commit prunes (thousands a second), and a line per commit was about 2% of the server's CPU and a console
/// flooded with it; the counts in <see cref="IMailStore.GetStatsAsync"/> are exact either way.
/// </summary>
internal sealed partial class PruneLog(ILogger logger) : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Messages, long Bytes)> _held = new(StringComparer.Ordinal);
    private Timer? _timer;
    private long _quietUntil; // Environment.TickCount64: before it, prunings are held for the next line
    private bool _closed; // after Dispose (an age pruning that ran as the store closed): logged at once

    /// <summary>Logs (or holds for the next line) <paramref name="messages"/> pruned by <paramref name="rule"/>.</summary>
    public void Add(string rule, int messages, long bytes)
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (_closed || (now >= _quietUntil && _held.Count == 0))
            {
                _quietUntil = now + (long)Interval.TotalMilliseconds;
                LogPruned(logger, messages, bytes, rule);
                return;
            }
            _held[rule] = _held.TryGetValue(rule, out var sum) ? (sum.Messages + messages, sum.Bytes + bytes) : (messages, bytes);
            _timer ??= new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
            if (_held.Count == 1 && _held[rule].Messages == messages) _timer.Change(Math.Max(1, _quietUntil - now), Timeout.Infinite);
        }
    }

    /// <summary>Logs what is held (at the end of the second, and when the store closes).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_held.Count == 0) return;
            foreach (var (rule, (messages, bytes)) in _held) LogPruned(logger, messages, bytes, rule);
            _held.Clear();
            _quietUntil = Environment.TickCount64 + (long)Interval.TotalMilliseconds;
        }
    }

    public void Dispose()
    {
        lock (_gate) _closed = true;
        _timer?.Dispose();
        Flush();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "store: pruned {Messages} oldest messages ({Bytes} bytes) by {Rule}")]
    private static partial void LogPruned(ILogger logger, int messages, long bytes, string rule);
}
