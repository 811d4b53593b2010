using System.CommandLine;

namespace Protocols.Cli.Smtp;

/// <summary><c>proto smtp serve</c>: a capture SMTP server printing one line per message.</summary>
internal static class SmtpServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port)", DefaultValueFactory = _ => 2525 };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Write each message to DIR/<id>.eml (flushed before the 250)" };
        var maxSize = new Option<long?>("--max-size") { Description = "Largest message in bytes (default 10240000, Postfix's)" };
        var user = new Option<string?>("--user") { Description = "Require AUTH with this user (with --password)" };
        var password = new Option<string?>("--password") { Description = "Password for --user" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM certificate for STARTTLS" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key for --tls-cert" };
        var keep = new Option<int>("--keep") { Description = "Messages kept in memory without --store (oldest dropped)", DefaultValueFactory = _ => 1000 };
        var selfSigned = new Option<bool>("--self-signed") { Description = "Offer STARTTLS with a throwaway certificate for localhost" };
        var command = new Command("serve", "Run a capture SMTP server; prints one line per received message")
        {
            host, port, store, maxSize, user, password, tlsCert, tlsKey, selfSigned, keep,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SmtpServeSettings(parse.GetValue(host) ?? "127.0.0.1", parse.GetValue(port), parse.GetValue(store)?.FullName,
                parse.GetValue(maxSize), parse.GetValue(user), parse.GetValue(password), parse.GetValue(tlsCert)?.FullName,
                parse.GetValue(tlsKey)?.FullName, parse.GetValue(selfSigned), parse.GetValue(keep));
            return await SmtpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
