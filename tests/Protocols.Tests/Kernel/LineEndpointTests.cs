using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Hosting;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Kernel;

/// <summary>
/// Line endpoints on the host's own accept loop (<see cref="ProtocolsHostBuilder.AddLineEndpoint"/>): served beside
/// Kestrel's endpoints, bind errors named, and the stop: sessions in flight finish within the grace, the ones left
/// get the protocol's shutdown reply, the port is free afterwards.
/// </summary>
public class LineEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static IPEndPoint AnyPort => new(IPAddress.Loopback, 0);

    private static SmtpConnectionHandler Smtp() => new(new SmtpServerOptions { Store = new InMemoryMessageStore(10) });

    private sealed class Client : IAsyncDisposable
    {
        private readonly TcpClient _tcp = new();
        private StreamReader? _reader;
        private NetworkStream? _stream;

        public async Task ConnectAsync(IPEndPoint endPoint)
        {
            await _tcp.ConnectAsync(endPoint).WaitAsync(Timeout);
            _stream = _tcp.GetStream();
            _reader = new StreamReader(_stream, Encoding.ASCII);
        }

        public async Task<string?> LineAsync() => await _reader!.ReadLineAsync().WaitAsync(Timeout);

        public async Task SendAsync(string line) => await _stream!.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask().WaitAsync(Timeout);

        public ValueTask DisposeAsync()
        {
            _reader?.Dispose();
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    [Test]
    public async Task A_line_endpoint_serves_a_session_beside_a_kestrel_endpoint()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", AnyPort, Smtp());
        builder.AddHttpEndpoint("http", AnyPort, context => context.Response.WriteAsync("ok"));
        await using var host = await builder.StartAsync().WaitAsync(Timeout);
        Assert.That(host["smtp"].EndPoint.Port, Is.Not.Zero);
        await using var client = new Client();
        await client.ConnectAsync(host.GetEndPoint("smtp"));
        Assert.That(await client.LineAsync(), Does.StartWith("220 "));
        await client.SendAsync("QUIT");
        Assert.That(await client.LineAsync(), Does.StartWith("221 "));
        Assert.That(await client.LineAsync(), Is.Null, "closed after QUIT");
        using var http = new HttpClient { Timeout = Timeout };
        Assert.That(await http.GetStringAsync(host["http"].ToString()), Is.EqualTo("ok"));
    }

    [Test]
    public async Task An_ftp_handler_of_your_own_serves_on_a_line_endpoint()
    {
        // The hosting docs' way onto a host of your own (docs/ftp.md): the one line path, no Kestrel-path helper.
        var builder = new ProtocolsHostBuilder();
        var state = new FtpServerState(new FtpServerOptions { Authenticator = new FtpUserStore().Add("user", "pass", new MemoryFileSystem()) });
        builder.AddLineEndpoint("ftp", AnyPort, new FtpConnectionHandler(state, implicitTls: false));
        await using var host = await builder.StartAsync().WaitAsync(Timeout);
        await using var client = new Client();
        await client.ConnectAsync(host.GetEndPoint("ftp"));
        Assert.That(await client.LineAsync(), Does.StartWith("220 "));
        await client.SendAsync("USER user");
        Assert.That(await client.LineAsync(), Does.StartWith("331 "));
        await client.SendAsync("PASS pass");
        Assert.That(await client.LineAsync(), Does.StartWith("230 "));
        await client.SendAsync("QUIT");
        Assert.That(await client.LineAsync(), Does.StartWith("221 "));
    }

    [Test]
    public async Task A_host_of_line_endpoints_only_starts_no_kestrel_listener()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", AnyPort, Smtp());
        await using var host = await builder.StartAsync().WaitAsync(Timeout);
        Assert.That(host.Addresses, Is.Empty, "Kestrel, started without endpoints, would bind localhost:5000");
        Assert.That(host.Endpoints.Single().Bound, Is.Not.Null);
    }

    [Test]
    public async Task A_taken_port_is_refused_with_the_endpoint_name()
    {
        using var taken = new TcpListener(AnyPort);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var builder = new ProtocolsHostBuilder();
        builder.AddHttpEndpoint("first", AnyPort, _ => Task.CompletedTask);
        builder.AddLineEndpoint("second", new IPEndPoint(IPAddress.Loopback, port), Smtp());
        var error = await Assert.ThrowsAsync<EndpointBindException>(async () => await builder.StartAsync().WaitAsync(Timeout));
        Assert.That(error!.EndpointName, Is.EqualTo("second"));
    }

    [Test]
    public async Task Stop_lets_a_session_in_flight_finish_then_the_port_is_free()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", AnyPort, Smtp());
        var host = await builder.StartAsync().WaitAsync(Timeout);
        var endPoint = host.GetEndPoint("smtp");
        await using var client = new Client();
        await client.ConnectAsync(endPoint);
        Assert.That(await client.LineAsync(), Does.StartWith("220 "));
        var stopping = host.StopAsync(TimeSpan.FromSeconds(10));
        await client.SendAsync("NOOP");
        Assert.That(await client.LineAsync(), Does.StartWith("250 "), "still served within the grace");
        await client.SendAsync("QUIT");
        Assert.That(await client.LineAsync(), Does.StartWith("221 "));
        await stopping.WaitAsync(Timeout);
        using var refused = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(async () => await refused.ConnectAsync(endPoint).WaitAsync(Timeout), "no new connections after stop");
        using var rebind = new TcpListener(endPoint);
        rebind.Start();
        rebind.Stop();
    }

    [Test]
    public async Task Past_the_grace_an_idle_session_gets_the_shutdown_reply()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", AnyPort, Smtp());
        var host = await builder.StartAsync().WaitAsync(Timeout);
        await using var client = new Client();
        await client.ConnectAsync(host.GetEndPoint("smtp"));
        Assert.That(await client.LineAsync(), Does.StartWith("220 "));
        await host.StopAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Timeout);
        Assert.That(await client.LineAsync(), Does.StartWith("421 "));
        Assert.That(await client.LineAsync(), Is.Null);
    }
}
