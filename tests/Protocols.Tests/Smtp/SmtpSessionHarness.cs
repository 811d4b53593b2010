using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Tests.Support;

namespace Protocols.Tests.Smtp;

/// <summary>Drives an <see cref="SmtpSession"/> over an in-memory connection pair: send lines, expect replies.</summary>
internal sealed class SmtpSessionHarness : Wire
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly SmtpSession _session;
    private readonly CancellationTokenSource _stop = new();

    public SmtpSessionHarness(SmtpServerOptions? options = null) : this(Connection.CreatePair(), options ?? new SmtpServerOptions())
    {
    }

    private SmtpSessionHarness((Connection Client, Connection Server) pair, SmtpServerOptions options)
        : base(pair.Client, Timeout, strictReplies: true, enhancedCodes: true)
    {
        Options = options;
        Store = Options.Store as InMemoryMessageStore ?? new InMemoryMessageStore();
        _session = new SmtpSession(pair.Server, Options);
        Run = _session.RunAsync(_stop.Token);
    }

    public SmtpServerOptions Options { get; }
    public InMemoryMessageStore Store { get; }
    public Task Run { get; }
    public Connection Client => Connection;

    public static async Task<SmtpSessionHarness> StartAsync(SmtpServerOptions? options = null, bool ehlo = true)
    {
        var h = new SmtpSessionHarness(options);
        await h.ExpectAsync(220);
        if (ehlo) await h.CommandAsync("EHLO client.example", 250);
        return h;
    }

    /// <summary>Waits for the server to close its side.</summary>
    public async Task ExpectClosedAsync()
    {
        Assert.That(await ReadLineOrEndAsync(), Is.Null, "the server should have closed the connection");
        await Run.WaitAsync(Timeout);
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Run.WaitAsync(Timeout);
        await Connection.DisposeAsync();
        await _session.DisposeAsync();
        _stop.Dispose();
    }
}
