using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;

namespace Protocols.Tests.Http.Server;

/// <summary>A file server on 127.0.0.1 port 0 over a fresh temporary root, with an HttpClient pointed at it.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private ServerFixture(string root, string outside, ProtocolsHost host, HttpFileServer server, HttpClient client)
    {
        Root = root;
        Outside = outside;
        Host = host;
        Server = server;
        Client = client;
    }

    /// <summary>The served directory.</summary>
    public string Root { get; }

    /// <summary>A sibling directory outside the root holding <c>secret.txt</c> (contents <see cref="Secret"/>).</summary>
    public string Outside { get; }

    public const string Secret = "TOP-SECRET-0xC0FFEE";

    public ProtocolsHost Host { get; }

    public HttpFileServer Server { get; }

    public HttpClient Client { get; }

    public IPEndPoint EndPoint => Host.Endpoints[0].EndPoint;

    public Uri BaseAddress => new(Host.Endpoints[0].ToString());

    public static async Task<ServerFixture> StartAsync(Action<HttpServerOptions>? configure = null, EndpointTls? tls = null)
    {
        var baseDir = Directory.CreateTempSubdirectory("httpd-test-").FullName;
        var root = Directory.CreateDirectory(Path.Combine(baseDir, "root")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(baseDir, "outside")).FullName;
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), Secret);
        await File.WriteAllTextAsync(Path.Combine(root, "hello.txt"), "hello, world\n");
        var options = new HttpServerOptions { Root = root };
        configure?.Invoke(options);
        var builder = new ProtocolsHostBuilder();
        var server = builder.AddHttpServer(options, new IPEndPoint(IPAddress.Loopback, 0), tls);
        var host = await builder.StartAsync().WaitAsync(Timeout);
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ServerCertificateCustomValidationCallback = tls is null ? null : (_, cert, _, _) => cert?.Thumbprint == tls.Certificate.Thumbprint,
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(host.Endpoints[0].ToString()), Timeout = Timeout };
        return new ServerFixture(root, outside, host, server, client);
    }

    public string Write(string relative, string content)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Write(string relative, byte[] content)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Sends raw bytes on a new connection and returns everything until the server closes (or a bounded amount).</summary>
    public async Task<string> RawAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(EndPoint).WaitAsync(Timeout);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request).AsMemory(), SocketFlags.None).AsTask().WaitAsync(Timeout);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (received.Length < 1_000_000)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Timeout);
            if (read == 0) break;
            received.Write(buffer, 0, read);
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }

    /// <summary>The status code of a raw response.</summary>
    public static int StatusOf(string rawResponse)
    {
        Assert.That(rawResponse, Does.StartWith("HTTP/1.1 "), "not an HTTP response: " + rawResponse);
        return int.Parse(rawResponse.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true);
    }
}
