using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Http.Client;

/// <summary>
/// nginx with a generated config in a temp dir: one worker, static files under <see cref="Root"/>, gzip for
/// text/plain (chunked responses), fixed redirects, and TLS with a self-signed certificate. Killed on dispose.
/// </summary>
internal sealed class NginxServer(PeerRunner process, string dir, int port, int tlsPort) : IAsyncDisposable
{
    private readonly PeerRunner _process = process;
    private readonly string _dir = dir;

    public int Port { get; } = port;
    public int TlsPort { get; } = tlsPort;
    public string Root => Path.Combine(_dir, "www");
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";
    public string TlsUrl(string path) => $"https://127.0.0.1:{TlsPort}{path}";

    /// <summary>Starts nginx; <paramref name="populate"/> writes files under the root first.</summary>
    public static async Task<NginxServer> StartAsync(Action<string> populate)
    {
        var nginx = Peers.Require("nginx");
        var dir = Directory.CreateTempSubdirectory("proto-nginx-").FullName;
        var root = Directory.CreateDirectory(Path.Combine(dir, "www")).FullName;
        populate(root);
        using (var certificate = SelfSignedCertificate.Create())
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
        var port = LoopbackPort.Free();
        var tlsPort = LoopbackPort.Free();
        var config = $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log;
            events { worker_connections 256; }
            http {
                access_log {{dir}}/access.log;
                client_body_temp_path {{dir}}/client_body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                types { text/plain txt; application/octet-stream bin; }
                default_type application/octet-stream;
                sendfile on;
                keepalive_requests 100000;
                gzip on;
                gzip_types text/plain;
                gzip_min_length 1;
                server {
                    listen 127.0.0.1:{{port}};
                    listen 127.0.0.1:{{tlsPort}} ssl;
                    ssl_certificate {{dir}}/cert.pem;
                    ssl_certificate_key {{dir}}/key.pem;
                    root {{root}};
                    location = /r301 { return 301 /hello.txt; }
                    location = /r302 { return 302 /hello.txt; }
                    location = /r307 { return 307 /hello.txt; }
                    location = /r308 { return 308 /hello.txt; }
                    location = /chain { return 302 /r301; }
                }
            }
            """;
        var configPath = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var process = PeerRunner.Start(nginx, ["-c", configPath, "-p", dir, "-e", Path.Combine(dir, "error.log")]);
        var server = new NginxServer(process, dir, port, tlsPort);
        try
        {
            await process.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        }
        catch (AssertionException)
        {
            var log = File.Exists(Path.Combine(dir, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(dir, "error.log")) : "";
            await server.DisposeAsync();
            Assert.Fail($"nginx did not start: {log}");
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
