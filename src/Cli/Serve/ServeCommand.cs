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
        var store = new StoreOptions();
        var pop3sPort = new Option<int>("--pop3s-port") { Description = "POP3S port (implicit TLS), with --tls", DefaultValueFactory = _ => 1995 };
        var write = ServerOptions.Write("Let FTP and HTTP clients write to the root");
        var tls = new Option<bool>("--tls") { Description = "Offer TLS with a self-signed certificate made at start: STARTTLS, STLS and POP3S, AUTH TLS, and HTTPS" };
        var user = ServerOptions.User("POP3 accepts only this login (default: any user and password)");
        var password = ServerOptions.Password();
        var maxSize = ServerOptions.MaxSize("Largest SMTP message and HTTP upload in bytes (defaults 10240000 and 30000000)");
        var exitAfter = new Option<int?>("--exit-after") { Description = "Exit 0 once N messages have been captured (for CI; see --timeout)" };
        var timeout = new Option<string?>("--timeout") { Description = "With --exit-after: exit 1 if the N messages have not arrived within this time (30, 90s, 5m)" };
        var relayTo = new Option<string?>("--relay-to") { Description = "Relay each message whose recipients match --relay-match to this SMTP server (host:port, plain SMTP), after capture" };
        var relayMatch = new Option<string?>("--relay-match") { Description = "With --relay-to: the recipients to relay (a regular expression, case-insensitive; '.' for all)" };

        var command = new Command("serve", "The whole dev stack in one process: SMTP capture, POP3, FTP and HTTP with a live mail page")
        {
            root, host, smtpPort, ftpPort, httpPort, pop3Port, pop3sPort, imapPort, mailPort, allowHost, store.Store, store.Keep, store.MaxBytes, store.MaxAge,
            write, tls, user, password, maxSize, exitAfter, timeout, relayTo, relayMatch,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (retention, problem) = store.Retention(parse);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"proto serve: {problem}").ConfigureAwait(false);
                return 2;
            }
            TimeSpan? limit = null;
            if (parse.GetValue(timeout) is { } timeoutText)
            {
                if (Durations.ParseTimeout(timeoutText) is not { } span)
                {
                    await Console.Error.WriteLineAsync($"proto serve: --timeout: not a duration: {timeoutText} (e.g. 30, 90s, 5m; at most 1d)").ConfigureAwait(false);
                    return 2;
                }
                limit = span;
            }
            var settings = new ServeSettings(
                Path.GetFullPath(parse.GetValue(root) ?? Directory.GetCurrentDirectory()), parse.GetValue(host) ?? "127.0.0.1",
                parse.GetValue(smtpPort), parse.GetValue(ftpPort), parse.GetValue(httpPort), parse.GetValue(pop3Port),
                parse.GetValue(store.Store), parse.GetValue(write), parse.GetValue(tls), parse.GetValue(pop3sPort),
                parse.GetValue(user), parse.GetValue(password), parse.GetValue(maxSize))
            {
                MailPort = parse.GetValue(mailPort), AllowedHosts = parse.GetValue(allowHost) ?? [], ImapPort = parse.GetValue(imapPort), Retention = retention,
                ExitAfter = parse.GetValue(exitAfter), Timeout = limit,
                RelayTo = parse.GetValue(relayTo), RelayMatch = parse.GetValue(relayMatch),
            };
            return await ServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
