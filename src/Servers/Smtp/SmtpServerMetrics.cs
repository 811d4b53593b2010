using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Protocols.Servers.Smtp;

/// <summary>Counters of the SMTP server (meter "Protocols.Smtp.Server").</summary>
internal static class SmtpServerMetrics
{
    private static readonly Meter Meter = new("Protocols.Smtp.Server");
    private static readonly Counter<long> Messages = Meter.CreateCounter<long>("smtp.server.messages", description: "Messages accepted");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("smtp.server.bytes", "By", "Message bytes accepted");
    private static readonly Counter<long> Rejections = Meter.CreateCounter<long>("smtp.server.rejections", description: "Replies refusing something, by reason");
    private static readonly UpDownCounter<long> Sessions = Meter.CreateUpDownCounter<long>("smtp.server.sessions", description: "Open sessions");

    public static void Received(long bytes)
    {
        Messages.Add(1);
        Bytes.Add(bytes);
    }

    public static void Rejected(SmtpRejectReason reason)
    {
        if (Rejections.Enabled) Rejections.Add(1, new TagList { { "reason", reason.ToString() } });
    }

    public static void SessionOpened() => Sessions.Add(1);

    public static void SessionClosed() => Sessions.Add(-1);
}
