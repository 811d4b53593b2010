using System.Text;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>Drives an <see cref="SmtpSession"/> over an in-memory connection pair: send lines, expect replies.</summary>
internal sealed class SmtpSessionHarness : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Connection _client;
    private readonly SmtpSession _session;
    private readonly CancellationTokenSource _stop = new();

    public SmtpSessionHarness(SmtpServerOptions? options = null)
    {
        Options = options ?? new SmtpServerOptions();
        Store = Options.Store as InMemoryMessageStore ?? new InMemoryMessageStore();
        var (client, server) = Connection.CreatePair();
        _client = client;
        _session = new SmtpSession(server, Options);
        Run = _session.RunAsync(_stop.Token);
    }

    public SmtpServerOptions Options { get; }
    public InMemoryMessageStore Store { get; }
    public Task Run { get; }
    public Connection Client => _client;

    public static async Task<SmtpSessionHarness> StartAsync(SmtpServerOptions? options = null, bool ehlo = true)
    {
        var h = new SmtpSessionHarness(options);
        await h.ExpectAsync(220);
        if (ehlo)
        {
            await h.SendAsync("EHLO client.example");
            await h.ExpectAsync(250);
        }
        return h;
    }

    public async Task SendAsync(string line)
    {
        _client.Writer.WriteLine(line);
        await _client.Writer.DrainAsync().AsTask().WaitAsync(Timeout);
    }

    public async Task SendRawAsync(byte[] bytes) => await _client.Writer.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    public async Task SendRawAsync(string text) => await SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task<Reply> ReadAsync() =>
        await ReplyReader.ReadAsync(_client.Reader, strict: true, parseEnhancedCodes: true).AsTask().WaitAsync(Timeout);

    public async Task<Reply> ExpectAsync(int code)
    {
        var reply = await ReadAsync();
        Assert.That(reply.Code, Is.EqualTo(code), () => $"reply was: {reply}");
        return reply;
    }

    /// <summary>Sends a command and expects a code.</summary>
    public async Task<Reply> CommandAsync(string line, int code)
    {
        await SendAsync(line);
        return await ExpectAsync(code);
    }

    /// <summary>Waits for the server to close its side.</summary>
    public async Task ExpectClosedAsync()
    {
        var rest = await _client.Reader.ReadLineAsync().AsTask().WaitAsync(Timeout);
        Assert.That(rest, Is.Null, "the server should have closed the connection");
        await Run.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Run.WaitAsync(Timeout);
        await _client.DisposeAsync();
        await _session.DisposeAsync();
        _stop.Dispose();
    }
}
