using System.CommandLine;

namespace Protocols.Cli.Smtp;

/// <summary><c>proto smtp send</c>: build (or load) a message and send it; exit 0 only when every recipient was accepted.</summary>
internal static class SmtpSendCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server", "-s") { Description = "HOST[:PORT] (port 25; 465 with --tls)", Required = true };
        var from = new Option<string>("--from", "-f") { Description = "Sender address", Required = true };
        var to = new Option<string[]>("--to", "-t") { Description = "Recipient (repeatable)", AllowMultipleArgumentsPerToken = false };
        var cc = new Option<string[]>("--cc") { Description = "Copy recipient (repeatable)" };
        var subject = new Option<string?>("--subject") { Description = "Subject" };
        var body = new Option<string?>("--body") { Description = "Text body" };
        var bodyFile = new Option<FileInfo?>("--body-file") { Description = "Text body from a file (UTF-8)" };
        var htmlFile = new Option<FileInfo?>("--html-file") { Description = "HTML alternative from a file (UTF-8)" };
        var attach = new Option<FileInfo[]>("--attach", "-a") { Description = "Attach a file (repeatable)" };
        var eml = new Option<FileInfo?>("--eml") { Description = "Send this .eml file as is (no message is built)" };
        var startTls = new Option<bool>("--starttls") { Description = "Require STARTTLS" };
        var tls = new Option<bool>("--tls") { Description = "Implicit TLS (SMTPS)" };
        var user = new Option<string?>("--user", "-u") { Description = "AUTH user" };
        var password = new Option<string?>("--password") { Description = "AUTH password (never printed)" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Accept any server certificate" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the protocol transcript (AUTH redacted) to stderr" };
        var repeat = new Option<int>("--repeat") { Description = "Send the message this many times over one connection (load testing)", DefaultValueFactory = _ => 1 };
        var timeout = new Option<int>("--timeout", "-m") { Description = "Seconds to wait for each server reply", DefaultValueFactory = _ => 60 };

        var command = new Command("send", "Send a message over SMTP")
        {
            server, from, to, cc, subject, body, bodyFile, htmlFile, attach, eml, startTls, tls, user, password, insecure, verbose, timeout, repeat,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SmtpSendSettings(
                parse.GetValue(server)!, parse.GetValue(from)!, parse.GetValue(to) ?? [], parse.GetValue(cc) ?? [],
                parse.GetValue(subject), parse.GetValue(body), parse.GetValue(bodyFile)?.FullName, parse.GetValue(htmlFile)?.FullName,
                (parse.GetValue(attach) ?? []).Select(f => f.FullName).ToArray(), parse.GetValue(eml)?.FullName,
                parse.GetValue(startTls), parse.GetValue(tls), parse.GetValue(user), parse.GetValue(password),
                parse.GetValue(insecure), parse.GetValue(verbose), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), parse.GetValue(repeat));
            return await SmtpSendRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
