namespace Protocols.Net;

public sealed partial class ConnectionReader
{
    private IBulkTransport? _bulkTransport;
    private long _bulkThreshold;
    private long _transferred = -1; // bytes received since BeginTransfer; -1 outside a transfer
    private bool _bulk;

    /// <summary>The transport that can read bulk transfers its own way (the line listener's Linux socket); null for every other.</summary>
    internal IBulkTransport? BulkTransport { get => _bulkTransport; set => _bulkTransport = value; }

    /// <summary>Bytes of a transfer past which it is read as bulk (<see cref="ConnectionOptions.BulkReadThreshold"/>).</summary>
    internal long BulkThreshold { get => _bulkThreshold; set => _bulkThreshold = value; }

    /// <summary>True while the current transfer has passed <see cref="BulkThreshold"/> and the transport reads it as bulk.</summary>
    internal bool IsBulk => _bulk;

    /// <summary>
    /// A bulk read starts (SMTP DATA, a counted copy): its received bytes are counted from here, and past
    /// <see cref="BulkThreshold"/> the transport is told (<see cref="IBulkTransport.SetBulk"/>) until <see cref="EndTransfer"/>.
    /// </summary>
    internal void BeginTransfer()
    {
        if (_bulkTransport is not null) _transferred = 0;
    }

    /// <summary>The bulk read has ended (done, failed or cancelled): the transport reads as before from its next wait.</summary>
    internal void EndTransfer()
    {
        _transferred = -1;
        if (!_bulk) return;
        _bulk = false;
        _bulkTransport!.SetBulk(false);
    }

    // After each fill within a transfer: the bytes it brought.
    private void CountTransfer(long received)
    {
        if (_transferred < 0 || _bulk) return;
        _transferred += received;
        if (_transferred <= _bulkThreshold) return;
        _bulk = true;
        _bulkTransport!.SetBulk(true);
    }
}

/// <summary>A transport that reads bulk transfers its own way (<see cref="EpollSocketStream"/>: off the event loop, larger receives).</summary>
internal interface IBulkTransport
{
    /// <summary>Called by the connection's reader only, as a bulk transfer passes its threshold (true) and when it ends (false).</summary>
    void SetBulk(bool on);
}

/// <summary>
/// <c>PROTOCOLS_BULK</c>, the A/B switch of the bulk transfers' two parts (docs/net-and-lines.md): unset, empty or
/// <c>both</c> (the default), <c>none</c>, <c>offloop</c> (only off the loop), <c>receive</c> (only the larger receives);
/// case and surrounding spaces do not matter. Any other value is the default, as if unset (a typo never turns a part off).
/// </summary>
internal static class BulkSwitch
{
    public static (bool OffLoop, bool Receives) Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "none" => (false, false),
        "offloop" => (true, false),
        "receive" => (false, true),
        _ => (true, true),
    };
}
