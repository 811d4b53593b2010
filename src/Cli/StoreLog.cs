using Microsoft.Extensions.Logging;

namespace Protocols.Cli;

/// <summary>The store's log lines (pruning, commit counts at stop) on stderr, one line each; nothing else is logged.</summary>
internal static class StoreLog
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(builder => builder
        .AddFilter((category, level) => category == "Protocols.Servers.Mail" && level >= LogLevel.Information)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
