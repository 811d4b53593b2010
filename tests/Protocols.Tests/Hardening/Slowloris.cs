using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Hardening;

/// <summary>Slow clients: each connects, sends the start of a request and then one byte a second, never finishing,
/// until disposed. Connections the server refuses or closes are simply counted.</summary>
internal sealed class Slowloris : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tricklers = [];
    private int _dropped;

    /// <summary>Connections the server closed or refused so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    public int Opened => _sockets.Count;

    public static async Task<Slowloris> StartAsync(IPEndPoint target, int count, byte[] start, byte trickle, IPAddress? from = null)
    {
        var slow = new Slowloris();
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (from is not null) socket.Bind(new IPEndPoint(from, 0));
            using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(target, connect.Token);
            slow._sockets.Add(socket);
            slow._tricklers.Add(slow.TrickleAsync(socket, start, trickle));
        }
        return slow;
    }

    private async Task TrickleAsync(Socket socket, byte[] start, byte trickle)
    {
        try
        {
            await socket.SendAsync(start, SocketFlags.None, _stop.Token);
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                await socket.SendAsync(new[] { trickle }, SocketFlags.None, _stop.Token);
            }
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _dropped); // the server hung up on a slow client: that is allowed
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // stopped by DisposeAsync
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tricklers).WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var socket in _sockets) socket.Dispose();
        _stop.Dispose();
    }
}
