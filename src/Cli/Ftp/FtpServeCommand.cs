using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Cli.Ftp;

/// <summary><c>proto ftp serve</c>: a development FTP server over a directory.</summary>
internal static class FtpServeCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--root") { Description = "Directory to serve (default: the current directory)" };
        var host = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Control port", DefaultValueFactory = _ => 2121 };
        var user = new Option<string>("--user") { Description = "User name for a named login" };
        var password = new Option<string>("--password") { Description = "Password of --user" };
        var anonymous = new Option<bool>("--anonymous") { Description = "Allow anonymous logins (read-only unless --write)" };
        var write = new Option<bool>("--write") { Description = "Let users (and anonymous) upload, delete and rename" };
        var passive = new Option<string>("--passive-ports") { Description = "Passive port range, e.g. 30000-30100" };
        var tls = new Option<bool>("--tls") { Description = "Offer AUTH TLS (explicit FTPS)" };
        var implicitTls = new Option<bool>("--implicit-tls") { Description = "Serve implicit FTPS on --implicit-port" };
        var implicitPort = new Option<int>("--implicit-port") { Description = "Implicit FTPS port", DefaultValueFactory = _ => 9990 };
        var requireTls = new Option<bool>("--require-tls") { Description = "Refuse logins before AUTH TLS" };
        var selfSigned = new Option<bool>("--self-signed") { Description = "Use a throwaway self-signed certificate (the default with --tls)" };
        var certFile = new Option<string>("--tls-cert") { Description = "PEM certificate file" };
        var keyFile = new Option<string>("--tls-key") { Description = "PEM private key file" };
        var maxPerIp = new Option<int>("--max-per-ip") { Description = "Connections per IP address", DefaultValueFactory = _ => 64 };
        var maxConnections = new Option<int>("--max-connections") { Description = "Connections in total", DefaultValueFactory = _ => 256 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every command" };

        var command = new Command("serve", "Run an FTP server over a directory")
        {
            root, host, port, user, password, anonymous, write, passive, tls, implicitTls, implicitPort, requireTls, selfSigned, certFile, keyFile,
            maxPerIp, maxConnections, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(root) ?? Environment.CurrentDirectory);
            if (!Directory.Exists(directory)) return Fail($"no such directory: {directory}");
            if (!IPAddress.TryParse(parse.GetValue(host), out var address)) return Fail($"not an IP address: {parse.GetValue(host)}");
            var fileSystem = new DiskFileSystem(directory);
            var users = new FtpUserStore();
            var canWrite = parse.GetValue(write);
            var name = parse.GetValue(user);
            if (name is not null) users.Add(name, parse.GetValue(password) ?? "", fileSystem, canWrite);
            if (parse.GetValue(anonymous) || name is null) users.AllowAnonymous(fileSystem, canWrite);
            var options = new FtpServerOptions
            {
                Authenticator = users,
                RequireTls = parse.GetValue(requireTls),
                MaxConnectionsPerIp = parse.GetValue(maxPerIp),
                MaxConnections = parse.GetValue(maxConnections),
            };
            if (parse.GetValue(passive) is { } range)
            {
                var parts = range.Split('-');
                if (parts.Length != 2 || !int.TryParse(parts[0], out var min) || !int.TryParse(parts[1], out var max) || min < 1 || max < min || max > 65535)
                    return Fail($"bad --passive-ports {range}: use MIN-MAX");
                options.PassivePortMin = min;
                options.PassivePortMax = max;
            }
            var wantTls = parse.GetValue(tls) || parse.GetValue(implicitTls) || parse.GetValue(requireTls);
            if (wantTls)
            {
                var cert = parse.GetValue(certFile);
                var key = parse.GetValue(keyFile);
                if ((cert is null) != (key is null)) return Fail("--tls-cert and --tls-key go together");
                try
                {
                    options.Certificate = cert is not null ? SelfSignedCertificate.LoadPem(cert, key!) : SelfSignedCertificate.Create();
                }
                catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
                {
                    return Fail($"cannot load the certificate: {e.Message}");
                }
            }
            FtpServer server;
            try
            {
                server = await FtpServer.StartAsync(options, new IPEndPoint(address, parse.GetValue(port)),
                    parse.GetValue(implicitTls) ? new IPEndPoint(address, parse.GetValue(implicitPort)) : null,
                    logging: parse.GetValue(verbose) ? b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Trace) : null,
                    cancellationToken: cancellationToken);
            }
            catch (IOException e)
            {
                return Fail($"cannot listen: {e.Message}");
            }
            await using (server)
            {
                Console.Error.WriteLine($"proto ftp: serving {directory} on ftp://{server.EndPoint}" +
                    (server.ImplicitTlsEndPoint is { } i ? $" and ftps://{i}" : "") + (wantTls ? " (TLS)" : "") + "; Ctrl+C stops");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }
            }
            return 0;
        });
        return command;
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine($"proto ftp: {message}");
        return 1;
    }
}
