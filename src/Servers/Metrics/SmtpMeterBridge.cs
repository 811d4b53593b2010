using System.Diagnostics.Metrics;

namespace Protocols.Servers.Metrics;

/// <summary>
/// Folds the SMTP server's own rejection counter (meter <c>Protocols.Smtp.Server</c>) into <see cref="ProtocolsMetrics"/>,
/// so the status line shows SMTP rejections. The SMTP meter is process-wide: use one bridge per process.
/// </summary>
public sealed class SmtpMeterBridge : IDisposable
{
    private const string SmtpMeter = "Protocols.Smtp.Server";
    private readonly MeterListener _listener = new();

    public SmtpMeterBridge(ProtocolsMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SmtpMeter && instrument.Name == "smtp.server.rejections") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            var reason = "smtp";
            foreach (var tag in tags)
            {
                if (tag.Key == "reason" && tag.Value is string text) reason = text;
            }
            for (var i = 0; i < value; i++) metrics.Rejected("smtp", reason);
        });
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();
}
