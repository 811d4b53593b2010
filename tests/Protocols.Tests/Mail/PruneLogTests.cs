using Microsoft.Extensions.Logging;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Tests.Mail;

/// <summary>Retention's log: the first pruning at once, the ones in the second after it added up in one line per rule.</summary>
public sealed class PruneLogTests
{
    [Test]
    public async Task The_first_pruning_is_logged_at_once_and_the_next_second_in_one_line_per_rule()
    {
        var lines = new Lines();
        using (var log = new PruneLog(lines))
        {
            log.Add("--keep", 2, 200);
            Assert.That(lines.All, Is.EqualTo(new[] { "store: pruned 2 oldest messages (200 bytes) by --keep" }));
            for (var i = 0; i < 100; i++) log.Add("--keep", 1, 10);
            log.Add("--max-store-bytes", 3, 30);
            Assert.That(lines.All, Has.Length.EqualTo(1), "held until the second is over");
            var until = DateTime.UtcNow.AddSeconds(10);
            while (lines.All.Length < 3 && DateTime.UtcNow < until) await Task.Delay(20);
            Assert.That(lines.All.Skip(1), Is.EquivalentTo(new[]
            {
                "store: pruned 100 oldest messages (1000 bytes) by --keep",
                "store: pruned 3 oldest messages (30 bytes) by --max-store-bytes",
            }));
            log.Add("--keep", 1, 10); // within the second after that line: held
            Assert.That(lines.All, Has.Length.EqualTo(3));
        }
        Assert.That(lines.All[^1], Is.EqualTo("store: pruned 1 oldest messages (10 bytes) by --keep"), "what is held is logged when the store closes");
    }

    [Test]
    public void A_pruning_after_the_close_is_logged_at_once_not_lost()
    {
        // An age pruning that was running when the store closed reports after the log's Dispose.
        var lines = new Lines();
        var log = new PruneLog(lines);
        log.Add("--keep", 1, 10); // at once
        log.Add("--keep", 2, 20); // held: the log's timer exists
        log.Dispose();
        Assert.That(lines.All, Has.Length.EqualTo(2), "what was held, at the close");
        log.Add("--max-age", 3, 30);
        Assert.That(lines.All, Is.EqualTo(new[]
        {
            "store: pruned 1 oldest messages (10 bytes) by --keep",
            "store: pruned 2 oldest messages (20 bytes) by --keep",
            "store: pruned 3 oldest messages (30 bytes) by --max-age",
        }));
    }

    private sealed class Lines : ILogger
    {
        private readonly List<string> _lines = [];

        public string[] All
        {
            get
            {
                lock (_lines) return [.. _lines];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception));
        }
    }
}
