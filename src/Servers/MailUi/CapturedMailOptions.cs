using static Protocols.Servers.Lines.LimitCheck;

namespace Protocols.Servers.MailUi;

/// <summary>Limits of the captured-mail API. Each default says why.</summary>
public sealed class CapturedMailOptions
{
    private TimeSpan _defaultWait = TimeSpan.FromSeconds(30);
    private TimeSpan _maxWait = TimeSpan.FromMinutes(5);
    private int _maxListLimit = 5000;
    private int _defaultListLimit = 1000;
    private TimeSpan _statsInterval = TimeSpan.FromSeconds(2);
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(15);
    private int _maxEventBacklog = 1024;

    /// <summary>How long <c>api/wait</c> waits when no <c>timeout</c> is given. Default 30 s (a test's usual patience).</summary>
    public TimeSpan DefaultWait { get => _defaultWait; set => _defaultWait = Positive(value); }

    /// <summary>Longest wait a client may ask for. Default 5 minutes, under common proxy idle limits.</summary>
    public TimeSpan MaxWait { get => _maxWait; set => _maxWait = Positive(value); }

    /// <summary>Messages in a list answer when no <c>limit</c> is given. Default 1000 (the page asks for 100 at a time and goes on by cursor).</summary>
    public int DefaultListLimit
    {
        get => _defaultListLimit;
        set => _defaultListLimit = AtLeast(value, 1);
    }

    /// <summary>Most messages one list answer holds (<c>limit</c> is capped to it). Default 5000, a page that still renders quickly.</summary>
    public int MaxListLimit
    {
        get => _maxListLimit;
        set => _maxListLimit = AtLeast(value, 1);
    }

    /// <summary>How often the live stream sends counters when they changed. Default 2 s.</summary>
    public TimeSpan StatsInterval { get => _statsInterval; set => _statsInterval = Positive(value); }

    /// <summary>How often the live stream sends a comment so proxies keep it open. Default 15 s (the HTML living standard's advice).</summary>
    public TimeSpan HeartbeatInterval { get => _heartbeatInterval; set => _heartbeatInterval = Positive(value); }

    /// <summary>Events queued for a slow live-stream reader before it is told to reload instead. Default 1024.</summary>
    public int MaxEventBacklog
    {
        get => _maxEventBacklog;
        set => _maxEventBacklog = AtLeast(value, 1);
    }

    private static TimeSpan Positive(TimeSpan value) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "a positive time");
}
