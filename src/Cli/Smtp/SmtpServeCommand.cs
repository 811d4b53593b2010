using System.CommandLine;

namespace Protocols.Cli.Smtp;

/// <summary><c>proto smtp serve</c>: a capture SMTP server printing one line per message.</summary>
internal static class SmtpServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port)", DefaultValueFactory = _ => 2525 };
        var store = new StoreOptions();
        var maxSize = new Option<long?>("--max-size") { Description = "Largest message in bytes (default 10240000, Postfix's)" };
        var user = new Option<string?>("--user") { Description = "Require AUTH with this user (with --password)" };
        var password = new Option<string?>("--password") { Description = "Password for --user" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM certificate for STARTTLS" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key for --tls-cert" };
        var selfSigned = new Option<bool>("--self-signed") { Description = "Offer STARTTLS with a throwaway certificate for localhost" };
        var print = new Option<bool>("--print") { Description = "Write each message to stdout in mbox format (mboxrd); the one-line summaries go to stderr" };
        var command = new Command("serve", "Run a capture SMTP server; prints one line per received message")
        {
            host, port, store.Store, store.Keep, store.MaxBytes, store.MaxAge, maxSize, user, password, tlsCert, tlsKey, selfSigned, print,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (retention, problem) = store.Retention(parse);
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync($"proto: {problem}").ConfigureAwait(false);
                return 2;
            }
            var location = parse.GetValue(store.Store);
            if (location is not null && !Protocols.Servers.Mail.MailStores.IsPostgres(location)) location = Path.GetFullPath(location);
            var settings = new SmtpServeSettings(parse.GetValue(host) ?? "127.0.0.1", parse.GetValue(port), location,
                parse.GetValue(maxSize), parse.GetValue(user), parse.GetValue(password), parse.GetValue(tlsCert)?.FullName,
                parse.GetValue(tlsKey)?.FullName, parse.GetValue(selfSigned), retention)
            { Print = parse.GetValue(print) };
            return await SmtpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
