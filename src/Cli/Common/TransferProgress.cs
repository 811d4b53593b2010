using System.Diagnostics;
using System.Globalization;

namespace Protocols.Cli.Common;

/// <summary>What a progress line counts.</summary>
internal enum ProgressUnit
{
    Bytes,
    Messages,
}

/// <summary>
/// The one progress line of every transfer (FTP get/put, HTTP bodies, SMTP --repeat), on stderr: total, percent,
/// rate and time left when the size is known; the count and the rate when it is not. Sizes in IEC units (KiB, MiB,
/// GiB, one decimal). Only on a terminal: when stderr is redirected nothing is drawn (<c>PROTO_PROGRESS=always</c>
/// or <c>never</c> overrides the check). Redrawn at most ten times a second.
/// </summary>
internal sealed class TransferProgress : IProgress<long>, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly Lock Gate = new();
    private static TransferProgress? _active;
    private readonly string _name;
    private readonly ProgressUnit _unit;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly TextWriter _error;
    private long _lastDraw;
    private long _done;
    private int _width;
    private bool _ended;

    private TransferProgress(string name, long? total, ProgressUnit unit, TextWriter error)
    {
        _name = name;
        Total = total;
        _unit = unit;
        _error = error;
    }

    /// <summary>The expected total, when known (a SIZE reply, a Content-Length, a message count).</summary>
    public long? Total { get; set; }

    /// <summary>Whether progress is drawn at all: stderr is a terminal, unless PROTO_PROGRESS says otherwise.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("PROTO_PROGRESS") switch
    {
        "always" => true,
        "never" => false,
        _ => !Console.IsErrorRedirected,
    };

    /// <summary>A progress line on stderr, or null when progress is not drawn.</summary>
    public static TransferProgress? Start(string name, long? total = null, ProgressUnit unit = ProgressUnit.Bytes)
    {
        if (!Enabled) return null;
        var progress = new TransferProgress(name, total, unit, Console.Error);
        lock (Gate) _active = progress;
        return progress;
    }

    public void Report(long value)
    {
        lock (Gate)
        {
            _done = value;
            var now = Stopwatch.GetTimestamp();
            if (_ended || (_lastDraw != 0 && Stopwatch.GetElapsedTime(_lastDraw, now) < Interval)) return;
            _lastDraw = now;
            Draw(Format(_name, _done, Total, Stopwatch.GetElapsedTime(_started, now), _unit));
        }
    }

    /// <summary>Draws the final state and ends the line.</summary>
    public void Complete()
    {
        lock (Gate)
        {
            if (_ended) return;
            Draw(Format(_name, _done, Total ?? _done, Stopwatch.GetElapsedTime(_started), _unit, final: true));
            _error.WriteLine();
            _error.Flush();
            End();
        }
    }

    /// <summary>Clears the line unless <see cref="Complete"/> ended it.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_ended) return;
            Clear();
            End();
        }
    }

    /// <summary>Clears a progress line being drawn, so a message can be printed on a line of its own.</summary>
    public static void ClearLine()
    {
        lock (Gate) _active?.Clear();
    }

    private void End()
    {
        _ended = true;
        if (ReferenceEquals(_active, this)) _active = null;
    }

    private void Draw(string line)
    {
        var padding = Math.Max(0, _width - line.Length);
        _width = line.Length;
        _error.Write("\r" + line + new string(' ', padding));
        _error.Flush();
    }

    private void Clear()
    {
        if (_width == 0 || _ended) return;
        _error.Write("\r" + new string(' ', _width) + "\r");
        _error.Flush();
        _width = 0;
    }

    /// <summary>One progress line: <c>name  12.3 MiB / 50.0 MiB  24%  5.1 MiB/s  0:07 left</c>, or without a total <c>name  12.3 MiB  5.1 MiB/s</c>.</summary>
    public static string Format(string name, long done, long? total, TimeSpan elapsed, ProgressUnit unit, bool final = false)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = done / seconds;
        var parts = new List<string> { name };
        if (total is { } t and > 0)
        {
            parts.Add($"{Amount(done, unit)} / {Amount(t, unit)}");
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Math.Min(100, 100.0 * done / t):0}%"));
            parts.Add(Rate(rate, unit));
            parts.Add(final ? "in " + Clock(elapsed) : rate > 0 ? Clock(TimeSpan.FromSeconds((t - done) / rate)) + " left" : "--:-- left");
        }
        else
        {
            parts.Add(Amount(done, unit));
            parts.Add(Rate(rate, unit));
            if (final) parts.Add("in " + Clock(elapsed));
        }
        return string.Join("  ", parts);
    }

    /// <summary>IEC units with one decimal: 999 B, 1.0 KiB, 12.3 MiB, 4.0 GiB.</summary>
    public static string Bytes(double value)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (value >= 1024 && i < units.Length - 1)
        {
            value /= 1024;
            i++;
        }
        return i == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value:0} B") : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[i]}");
    }

    private static string Amount(long value, ProgressUnit unit) =>
        unit == ProgressUnit.Bytes ? Bytes(value) : string.Create(CultureInfo.InvariantCulture, $"{value} messages");

    private static string Rate(double perSecond, ProgressUnit unit) =>
        unit == ProgressUnit.Bytes ? Bytes(perSecond) + "/s" : string.Create(CultureInfo.InvariantCulture, $"{perSecond:0} msg/s");

    private static string Clock(TimeSpan time) => time.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}:{time.Seconds:00}");
}
