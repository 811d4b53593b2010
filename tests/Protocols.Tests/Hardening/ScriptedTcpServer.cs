using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Hardening;

/// <summary>A one-behaviour TCP server on 127.0.0.1 port 0: each accepted socket is handed to the script. Used to
/// make servers that vanish, stall, send garbage or send without end (bounded by a byte budget).</summary>
internal sealed class ScriptedTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _sent;

    public ScriptedTcpServer(Func<Socket, ScriptedTcpServer, CancellationToken, Task> script)
    {
        _listener.Start();
        _accepting = AcceptAsync(script);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Bytes the scripts reported sending.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Sends <paramref name="chunk"/> repeatedly until <paramref name="budget"/> bytes or the client hangs up.</summary>
    public async Task FloodAsync(Socket socket, byte[] chunk, long budget, CancellationToken cancellationToken)
    {
        try
        {
            while (Sent < budget && !cancellationToken.IsCancellationRequested)
                Interlocked.Add(ref _sent, await socket.SendAsync(chunk, SocketFlags.None, cancellationToken));
        }
        catch (SocketException)
        {
            // the client hung up: that is what it should do
        }
    }

    private async Task AcceptAsync(Func<Socket, ScriptedTcpServer, CancellationToken, Task> script)
    {
        var running = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                running.Add(Task.Run(async () =>
                {
                    using (socket) await script(socket, this, _stop.Token);
                }));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // stopping
        }
        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
