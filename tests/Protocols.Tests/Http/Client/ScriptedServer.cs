using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Net;

namespace Protocols.Tests.Http.Client;

/// <summary>
/// A raw TCP server on 127.0.0.1:0 that answers each connection with a script: the test reads requests and writes
/// whatever bytes it likes (bad status lines, bad chunks, early closes, stalls). Disposing stops it and its connections.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Connection, CancellationToken, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;
    private int _connections;

    public ScriptedServer(Func<Connection, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Url(string path = "/") => $"http://127.0.0.1:{Port}{path}";
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Errors the script threw (a test asserts there were none where it matters).</summary>
    public List<Exception> Errors { get; } = [];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            lock (_sessions) _sessions.Add(RunAsync(socket));
        }
    }

    private async Task RunAsync(Socket socket)
    {
        await using var connection = Connection.Create(socket);
        try
        {
            await _script(connection, _stop.Token);
            await connection.CloseAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested) lock (Errors) Errors.Add(e);
        }
    }

    /// <summary>Reads one request: the head lines (without the empty line) and the body (Content-Length or chunked); null at a clean close.</summary>
    public static async Task<ReceivedRequest?> ReadRequestAsync(Connection connection, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await connection.Reader.ReadLineStringAsync(Encoding.Latin1, cancellationToken);
            if (line is null) return lines.Count == 0 ? null : throw new IOException("request cut short");
            if (line.Length == 0) break;
            lines.Add(line);
        }
        var request = new ReceivedRequest(lines);
        if (request.Header("Content-Length") is { } length)
        {
            request.Body = (await connection.Reader.ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cancellationToken)).ToArray();
        }
        else if (request.Header("Transfer-Encoding") is "chunked")
        {
            using var body = new MemoryStream();
            while (true)
            {
                var size = Convert.ToInt32((await connection.Reader.ReadLineStringAsync(Encoding.Latin1, cancellationToken))!.Split(';')[0], 16);
                if (size == 0) break;
                body.Write((await connection.Reader.ReadExactlyAsync(size, cancellationToken)).ToArray());
                await connection.Reader.ReadLineAsync(cancellationToken);
            }
            while (await connection.Reader.ReadLineStringAsync(Encoding.Latin1, cancellationToken) is { Length: > 0 } trailer) request.Trailers.Add(trailer);
            request.Body = body.ToArray();
        }
        return request;
    }

    public static Task SendAsync(Connection connection, string text, CancellationToken cancellationToken) =>
        connection.Writer.WriteAsync(Encoding.Latin1.GetBytes(text), cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(10));
        Task[] sessions;
        lock (_sessions) sessions = [.. _sessions];
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}

internal sealed class ReceivedRequest(List<string> lines)
{
    public string RequestLine => lines[0];
    public IReadOnlyList<string> Lines => lines;
    public byte[] Body { get; set; } = [];
    public List<string> Trailers { get; } = [];

    public string? Header(string name) =>
        lines.Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
}
