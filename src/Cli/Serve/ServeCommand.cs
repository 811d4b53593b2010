using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Serve;

/// <summary>`proto serve`: the whole dev stack in one process: SMTP, FTP, HTTP and POP3.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var root = ServerOptions.Root();
        var host = ServerOptions.Host();
        var smtpPort = new Option<int>("--smtp-port") { Description = "SMTP port (0: any free port)", DefaultValueFactory = _ => 2525 };
        var ftpPort = new Option<int>("--ftp-port") { Description = "FTP port", DefaultValueFactory = _ => 2121 };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP port (the files)", DefaultValueFactory = _ => 8080 };
        var pop3Port = new Option<int>("--pop3-port") { Description = "POP3 port (the captured mail)", DefaultValueFactory = _ => 1110 };
        var imapPort = new Option<int>("--imap-port") { Description = "IMAP port (the captured mail; IMAPS with --tls)", DefaultValueFactory = _ => 1143 };
        var mailPort = new Option<int>("--mail-port") { Description = "Port of the mail page and its API (an origin of its own)", DefaultValueFactory = _ => 8025 };
        var allowHost = new Option<string[]>("--allow-host")
        {
            Description = "Also answer HTTP requests for this host name (repeatable; IP addresses and localhost always work, other names get 421)",
            AllowMultipleArgumentsPerToken = false,
        };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Keep captured mail as .eml files in this directory (default: in memory)" };
        var pop3sPort = new Option<int>("--pop3s-port") { Description = "POP3S port (implicit TLS), with --tls", DefaultValueFactory = _ => 1995 };
        var write = ServerOptions.Write("Let FTP and HTTP clients write to the root");
        var tls = new Option<bool>("--tls") { Description = "Offer TLS with a self-signed certificate made at start: STARTTLS, STLS and POP3S, AUTH TLS, and HTTPS" };
        var user = ServerOptions.User("POP3 accepts only this login (default: any user and password)");
        var password = ServerOptions.Password();
        var maxSize = ServerOptions.MaxSize("Largest SMTP message and HTTP upload in bytes (defaults 10240000 and 30000000)");

        var command = new Command("serve", "The whole dev stack in one process: SMTP capture, POP3, FTP and HTTP with a live mail page")
        {
            root, host, smtpPort, ftpPort, httpPort, pop3Port, pop3sPort, imapPort, mailPort, allowHost, store, write, tls, user, password, maxSize,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ServeSettings(
                Path.GetFullPath(parse.GetValue(root) ?? Directory.GetCurrentDirectory()), parse.GetValue(host) ?? "127.0.0.1",
                parse.GetValue(smtpPort), parse.GetValue(ftpPort), parse.GetValue(httpPort), parse.GetValue(pop3Port),
                parse.GetValue(store)?.FullName, parse.GetValue(write), parse.GetValue(tls), parse.GetValue(pop3sPort),
                parse.GetValue(user), parse.GetValue(password), parse.GetValue(maxSize))
            { MailPort = parse.GetValue(mailPort), AllowedHosts = parse.GetValue(allowHost) ?? [], ImapPort = parse.GetValue(imapPort) };
            return await ServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
