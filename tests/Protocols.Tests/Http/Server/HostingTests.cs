using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;

namespace Protocols.Tests.Http.Server;

public class HostingTests
{
    private static readonly TimeSpan Timeout = ServerFixture.Timeout;
    private static IPEndPoint AnyPort => new(IPAddress.Loopback, 0);

    /// <summary>Echoes one line back in upper case, then closes: a stand-in for an SMTP/FTP session.</summary>
    public sealed class UpperCaseHandler : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            using var reader = new StreamReader(connection.Transport.Input.AsStream());
            var line = await reader.ReadLineAsync();
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes((line ?? "").ToUpperInvariant() + "\r\n"));
        }
    }

    private static async Task<string> ExchangeLineAsync(IPEndPoint endPoint, string line, bool tls = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endPoint).WaitAsync(Timeout);
        Stream stream = client.GetStream();
        if (tls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(Timeout);
            stream = ssl;
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n")).AsTask().WaitAsync(Timeout);
        using var reader = new StreamReader(stream);
        return await reader.ReadLineAsync().WaitAsync(Timeout) ?? "";
    }

    [Test]
    public async Task One_host_serves_http_and_raw_tcp_endpoints_on_real_ports()
    {
        var root = Directory.CreateTempSubdirectory("httpd-host-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, "f.txt"), "file");
            var builder = new ProtocolsHostBuilder();
            builder.AddHttpServer(new HttpServerOptions { Root = root }, AnyPort);
            builder.AddHttpEndpoint("api", AnyPort, context => context.Response.WriteAsync("api"));
            builder.AddTcpEndpoint<UpperCaseHandler>("upper", AnyPort);
            builder.AddTcpEndpoint("delegate", AnyPort, async connection =>
            {
                await connection.Transport.Output.WriteAsync("220 hello\r\n"u8.ToArray());
            });
            builder.AddTcpEndpoint<UpperCaseHandler>("upper-tls", AnyPort, EndpointTls.SelfSigned());
            await using var host = await builder.StartAsync().WaitAsync(Timeout);

            Assert.That(host.Endpoints.Select(e => e.Name), Is.EqualTo(new[] { "http", "api", "upper", "delegate", "upper-tls" }));
            Assert.That(host.Endpoints.Select(e => e.EndPoint.Port), Has.All.GreaterThan(0));
            Assert.That(host.Endpoints.Select(e => e.EndPoint.Port).Distinct().Count(), Is.EqualTo(5));
            Assert.That(host.Addresses, Has.Count.EqualTo(5));
            Assert.That(host.Addresses, Does.Contain($"http://127.0.0.1:{host.GetEndPoint("http").Port}"));

            using var http = new HttpClient { Timeout = Timeout };
            Assert.That(await http.GetStringAsync(new Uri(new Uri(host["http"].ToString()), "f.txt")), Is.EqualTo("file"));
            Assert.That(await http.GetStringAsync(host["api"].ToString()), Is.EqualTo("api"));
            Assert.That(await ExchangeLineAsync(host.GetEndPoint("upper"), "ehlo"), Is.EqualTo("EHLO"));
            Assert.That(await ExchangeLineAsync(host.GetEndPoint("delegate"), "x"), Is.EqualTo("220 hello"));
            Assert.That(await ExchangeLineAsync(host.GetEndPoint("upper-tls"), "secure", tls: true), Is.EqualTo("SECURE"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Test]
    public async Task A_taken_port_is_a_clear_error_naming_the_endpoint()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = (IPEndPoint)squatter.LocalEndpoint;
        var builder = new ProtocolsHostBuilder();
        builder.AddHttpEndpoint("first", AnyPort, _ => Task.CompletedTask);
        builder.AddHttpEndpoint("second", taken, _ => Task.CompletedTask);
        var error = await Assert.ThrowsAsync<EndpointBindException>(async () => await builder.StartAsync().WaitAsync(Timeout));
        Assert.That(error!.EndpointName, Is.EqualTo("second"));
        Assert.That(error.Message, Does.Contain(taken.ToString()));
        Assert.That(error.Message, Does.Contain("second"));
    }

    [Test]
    public async Task Duplicate_names_and_empty_hosts_are_refused()
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddHttpEndpoint("a", AnyPort, _ => Task.CompletedTask);
        Assert.That(() => builder.AddHttpEndpoint("a", AnyPort, _ => Task.CompletedTask), Throws.ArgumentException);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await new ProtocolsHostBuilder().StartAsync());
    }

    [Test]
    public async Task Stop_waits_for_a_request_in_flight_then_the_port_is_free()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = new ProtocolsHostBuilder();
        builder.AddHttpEndpoint("slow", AnyPort, async context =>
        {
            entered.SetResult();
            await Task.Delay(500);
            await context.Response.WriteAsync("done");
        });
        var host = await builder.StartAsync().WaitAsync(Timeout);
        var endPoint = host.GetEndPoint("slow");
        using var http = new HttpClient { Timeout = Timeout };
        var request = http.GetStringAsync(host["slow"].ToString());
        await entered.Task.WaitAsync(Timeout);
        await host.StopAsync().WaitAsync(Timeout);
        Assert.That(await request.WaitAsync(Timeout), Is.EqualTo("done"));
        using var rebind = new TcpListener(endPoint);
        rebind.Start();
        rebind.Stop();
    }

    [Test]
    public async Task Https_endpoint_with_a_certificate_from_pem_files()
    {
        var dir = Directory.CreateTempSubdirectory("httpd-pem-").FullName;
        try
        {
            using var cert = Protocols.Net.SelfSignedCertificate.Create();
            var certPath = Path.Combine(dir, "cert.pem");
            var keyPath = Path.Combine(dir, "key.pem");
            await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
            using (var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(cert)!)
                await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            var tls = EndpointTls.FromPemFiles(certPath, keyPath);
            var builder = new ProtocolsHostBuilder();
            builder.AddHttpEndpoint("https", AnyPort, context => context.Response.WriteAsync(context.Request.IsHttps ? "secure" : "plain"), tls);
            await using var host = await builder.StartAsync().WaitAsync(Timeout);
            Assert.That(host["https"].ToString(), Does.StartWith("https://127.0.0.1:"));
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == cert.Thumbprint };
            using var http = new HttpClient(handler) { Timeout = Timeout };
            Assert.That(await http.GetStringAsync(host["https"].ToString()), Is.EqualTo("secure"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
