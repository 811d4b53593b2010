using System.CommandLine;

namespace Protocols.Cli.Serve;

/// <summary>`proto serve`: the whole dev stack in one process: SMTP, FTP, HTTP and POP3.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var root = new Option<DirectoryInfo>("--root") { Description = "Directory FTP and HTTP serve (default: the current directory)" };
        var host = new Option<string>("--host") { Description = "Address every service listens on", DefaultValueFactory = _ => "127.0.0.1" };
        var smtpPort = new Option<int>("--smtp-port") { Description = "SMTP port (0: any free port)", DefaultValueFactory = _ => 2525 };
        var ftpPort = new Option<int>("--ftp-port") { Description = "FTP port", DefaultValueFactory = _ => 2121 };
        var httpPort = new Option<int>("--http-port") { Description = "HTTP port (the files)", DefaultValueFactory = _ => 8080 };
        var pop3Port = new Option<int>("--pop3-port") { Description = "POP3 port (the captured mail)", DefaultValueFactory = _ => 1110 };
        var mailPort = new Option<int>("--mail-port") { Description = "Port of the mail page and its API (an origin of its own)", DefaultValueFactory = _ => 8025 };
        var allowHost = new Option<string[]>("--allow-host")
        {
            Description = "Also answer HTTP requests for this host name (repeatable; IP addresses and localhost always work, other names get 421)",
            AllowMultipleArgumentsPerToken = false,
        };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Keep captured mail as .eml files in this directory (default: in memory)" };
        var write = new Option<bool>("--write") { Description = "Let FTP and HTTP clients write to the root" };
        var tls = new Option<bool>("--tls") { Description = "Offer TLS: STARTTLS, STLS, AUTH TLS, and HTTPS (with --self-signed)" };
        var selfSigned = new Option<bool>("--self-signed") { Description = "Make a throwaway certificate for TLS" };

        var command = new Command("serve", "The whole dev stack in one process: SMTP capture, POP3, FTP and HTTP with a live mail page")
        {
            root, host, smtpPort, ftpPort, httpPort, pop3Port, mailPort, allowHost, store, write, tls, selfSigned,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ServeSettings(
                parse.GetValue(root)?.FullName ?? Directory.GetCurrentDirectory(), parse.GetValue(host) ?? "127.0.0.1",
                parse.GetValue(smtpPort), parse.GetValue(ftpPort), parse.GetValue(httpPort), parse.GetValue(pop3Port),
                parse.GetValue(store)?.FullName, parse.GetValue(write), parse.GetValue(tls), parse.GetValue(selfSigned))
            { MailPort = parse.GetValue(mailPort), AllowedHosts = parse.GetValue(allowHost) ?? [] };
            return await ServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
