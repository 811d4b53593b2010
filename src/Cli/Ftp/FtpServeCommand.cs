using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Cli.Common;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Cli.Ftp;

/// <summary><c>proto ftp serve</c>: a development FTP server over a directory.</summary>
internal static class FtpServeCommand
{
    public static Command Create()
    {
        var root = ServerOptions.Root();
        var host = ServerOptions.Host();
        var port = ServerOptions.Port(2121, "Control port");
        var user = ServerOptions.User("User name for a named login");
        var password = ServerOptions.Password();
        var anonymous = new Option<bool>("--anonymous") { Description = "Allow anonymous logins too (the only login without --user)" };
        var write = ServerOptions.Write("Let users (and anonymous) upload, delete and rename");
        var passive = new Option<string>("--passive-ports") { Description = "Passive port range, e.g. 30000-30100" };
        var tls = ServerOptions.Tls("Offer AUTH TLS (explicit FTPS)");
        var tlsPort = ServerOptions.TlsPort("Also serve implicit FTPS on this port");
        var requireTls = new Option<bool>("--require-tls") { Description = "Refuse logins before AUTH TLS (implies --tls)" };
        var certFile = ServerOptions.TlsCert();
        var keyFile = ServerOptions.TlsKey();
        var maxPerIp = new Option<int>("--max-per-ip") { Description = "Connections per IP address", DefaultValueFactory = _ => 64 };
        var maxConnections = new Option<int>("--max-connections") { Description = "Connections in total", DefaultValueFactory = _ => 256 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log every command" };

        var command = new Command("serve", "Run an FTP server over a directory")
        {
            root, host, port, user, password, anonymous, write, passive, tls, tlsPort, requireTls, certFile, keyFile, maxPerIp, maxConnections, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stderr = Console.Error;
            var directory = Path.GetFullPath(parse.GetValue(root) ?? Environment.CurrentDirectory);
            var name = parse.GetValue(user);
            var cert = parse.GetValue(certFile);
            var key = parse.GetValue(keyFile);
            if (!Directory.Exists(directory)) return VerbRunner.Usage(stderr, $"no such directory: {directory}");
            if (ServerOptions.Check(parse.GetValue(host)!, parse.GetValue(port), name, parse.GetValue(password), cert, key, parse.GetValue(tlsPort)) is { } problem)
                return VerbRunner.Usage(stderr, problem);
            if (parse.GetValue(maxPerIp) < 1 || parse.GetValue(maxConnections) < 1) return VerbRunner.Usage(stderr, "--max-per-ip and --max-connections must be at least 1");
            var address = IPAddress.Parse(parse.GetValue(host)!);
            var fileSystem = new DiskFileSystem(directory);
            var users = new FtpUserStore();
            var canWrite = parse.GetValue(write);
            if (name is not null) users.Add(name, parse.GetValue(password)!, fileSystem, canWrite);
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
                    return VerbRunner.Usage(stderr, $"bad --passive-ports {range}: use MIN-MAX");
                options.PassivePortMin = min;
                options.PassivePortMax = max;
            }
            var wantTls = parse.GetValue(tls) || parse.GetValue(tlsPort) is not null || parse.GetValue(requireTls) || cert is not null;
            if (wantTls)
            {
                try
                {
                    options.Certificate = cert is not null ? SelfSignedCertificate.LoadPem(cert, key!) : SelfSignedCertificate.Create();
                }
                catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
                {
                    return VerbRunner.Usage(stderr, $"cannot load the certificate: {e.Message}");
                }
            }
            FtpServer server;
            try
            {
                server = await FtpServer.StartAsync(options, new IPEndPoint(address, parse.GetValue(port)),
                    parse.GetValue(tlsPort) is { } implicitPort ? new IPEndPoint(address, implicitPort) : null,
                    logging: parse.GetValue(verbose) ? b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Trace) : null,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return VerbRunner.Cancelled(stderr);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                VerbRunner.Error(stderr, e is Protocols.Servers.Hosting.EndpointBindException ? e.Message : $"cannot listen on {address}:{parse.GetValue(port)}: {e.Message}");
                return ExitCodes.Failed;
            }
            await using (server.ConfigureAwait(false))
            {
                await stderr.WriteLineAsync($"proto: serving {directory} on ftp://{server.EndPoint}" +
                    (server.ImplicitTlsEndPoint is { } i ? $" and ftps://{i}" : "") + (wantTls ? " (TLS)" : "") + "; Ctrl+C stops").ConfigureAwait(false);
                await ServerOptions.WaitForStopAsync(cancellationToken).ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
