using System.CommandLine;

namespace Protocols.Cli.Mail;

/// <summary><c>proto mail wait</c>: blocks until a matching message is in a running <c>proto serve</c>, for shell tests.</summary>
internal static class MailWaitCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server")
        {
            Description = "The mail page's address (proto serve's --mail-port)", DefaultValueFactory = _ => "http://127.0.0.1:8025/",
        };
        var query = new Option<string?>("--query", "-q") { Description = "A search, as in the page: from:alice subject:\"reset\" is:unread ..." };
        var since = new Option<string?>("--since") { Description = "Only mail that arrived after this message id or ISO 8601 time (2026-12-01T10:00:00Z)" };
        var timeout = new Option<string>("--timeout", "-m") { Description = "Give up after this long (30, 90s, 5m); exit 1", DefaultValueFactory = _ => "30s" };
        var json = new Option<bool>("--json") { Description = "Print the message's summary as JSON instead of one line" };
        var command = new Command("wait", "Wait until a message matching --query is captured; prints its id and a summary (exit 0), or exits 1 on timeout")
        {
            server, query, since, timeout, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var timeoutText = parse.GetValue(timeout) ?? "30s";
            if (Durations.ParseTimeout(timeoutText) is not { } limit)
            {
                await Console.Error.WriteLineAsync($"proto mail wait: --timeout: not a duration: {timeoutText} (e.g. 30, 90s, 5m; at most 1d)").ConfigureAwait(false);
                return 2;
            }
            var settings = new MailWaitSettings(parse.GetValue(server) ?? "http://127.0.0.1:8025/", parse.GetValue(query), parse.GetValue(since), limit,
                parse.GetValue(json));
            return await MailWaitRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
