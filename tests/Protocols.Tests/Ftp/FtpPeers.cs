using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Ftp;

/// <summary>Starts real FTP servers (vsftpd, pyftpdlib) with generated configs on free ports; dispose stops them.</summary>
internal sealed class FtpPeer(PeerRunner process, int port, string work) : IAsyncDisposable
{
    private readonly PeerRunner _process = process;
    private readonly string _work = work;

    public int Port { get; } = port;

    public string Output => _process.Stdout + _process.Stderr;

    /// <summary>Writes a throwaway certificate and key as PEM files into <paramref name="directory"/>.</summary>
    public static (string Cert, string Key) WritePem(string directory)
    {
        using var cert = SelfSignedCertificate.Create();
        var certPath = Path.Combine(directory, "cert.pem");
        var keyPath = Path.Combine(directory, "key.pem");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    /// <summary>
    /// vsftpd serving <paramref name="root"/> to anonymous (uploads allowed where the directory permits), run as the
    /// launching user, optionally with explicit TLS. With <paramref name="requireSslReuse"/> vsftpd keeps its default
    /// <c>require_ssl_reuse=YES</c> (a data connection must resume the control connection's TLS session); without it
    /// <c>NO</c>, for clients that cannot resume (a .NET client that connects by IP literal: see docs/ftp-tls-resume.md).
    /// </summary>
    public static async Task<FtpPeer> StartVsftpdAsync(string root, bool tls, bool requireSslReuse = false)
    {
        var work = Directory.CreateTempSubdirectory("vsftpd-").FullName;
        var port = LoopbackPort.Free();
        var pasv = LoopbackPort.Free();
        var config = new List<string>
        {
            "listen=YES", "listen_address=127.0.0.1", $"listen_port={port}", "background=NO", "run_as_launching_user=YES",
            "anonymous_enable=YES", $"anon_root={root}", "no_anon_password=YES", "local_enable=NO", "write_enable=YES",
            "anon_upload_enable=YES", "anon_mkdir_write_enable=YES", "anon_other_write_enable=YES", "anon_umask=022",
            "seccomp_sandbox=NO", "pasv_enable=YES", $"pasv_min_port={pasv}", $"pasv_max_port={pasv + 20}", "use_localtime=NO",
            "xferlog_enable=NO",
        };
        if (tls)
        {
            var (cert, key) = WritePem(work);
            config.AddRange([
                "ssl_enable=YES", $"rsa_cert_file={cert}", $"rsa_private_key_file={key}", "allow_anon_ssl=YES",
                "force_anon_logins_ssl=YES", "force_anon_data_ssl=YES", "ssl_ciphers=HIGH",
            ]);
            if (!requireSslReuse) config.Add("require_ssl_reuse=NO");
        }
        var configPath = Path.Combine(work, "vsftpd.conf");
        await File.WriteAllLinesAsync(configPath, config);
        var process = PeerRunner.Start(Peers.Require("vsftpd"), [configPath], environment: PeerRunner.TempHome);
        await process.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return new FtpPeer(process, port, work);
    }

    /// <summary>pyftpdlib (Debian's python3) serving <paramref name="root"/> to user/pass with full rights, optionally TLS required.</summary>
    public static async Task<FtpPeer> StartPyftpdlibAsync(string root, bool tls)
    {
        var work = Directory.CreateTempSubdirectory("pyftpdlib-").FullName;
        var port = LoopbackPort.Free();
        var script = Path.Combine(work, "serve.py");
        var (cert, key) = tls ? WritePem(work) : ("", "");
        await File.WriteAllTextAsync(script, $$"""
            import logging
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
            from pyftpdlib.servers import FTPServer
            logging.basicConfig(level=logging.WARNING)
            a = DummyAuthorizer()
            a.add_user("user", "pass", {{Quote(root)}}, perm="elradfmwMT")
            h = TLS_FTPHandler if {{(tls ? "True" : "False")}} else FTPHandler
            if {{(tls ? "True" : "False")}}:
                h.certfile = {{Quote(cert)}}
                h.keyfile = {{Quote(key)}}
                h.tls_control_required = True
                h.tls_data_required = True
            h.authorizer = a
            FTPServer(("127.0.0.1", {{port}}), h).serve_forever()
            """);
        var process = PeerRunner.Start(Peers.Python, [script], environment: PeerRunner.TempHome);
        await process.WaitForPortAsync(port, TimeSpan.FromSeconds(15));
        return new FtpPeer(process, port, work);
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_work, true);
    }
}
