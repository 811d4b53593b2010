using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Smtp;

/// <summary><c>proto smtp serve</c>: a capture SMTP server printing one line per message.</summary>
internal static class SmtpServeCommand
{
    public static Command Create()
    {
        var host = ServerOptions.Host();
        var port = ServerOptions.Port(2525);
        var store = new Option<DirectoryInfo?>("--store") { Description = "Write each message to DIR/<id>.eml (flushed before the 250)" };
        var maxSize = ServerOptions.MaxSize("Largest message in bytes (default 10240000, Postfix's; 0: no limit)");
        var user = ServerOptions.User("Require AUTH with this user");
        var password = ServerOptions.Password();
        var tls = ServerOptions.Tls("Offer STARTTLS");
        var tlsPort = ServerOptions.TlsPort("Also serve SMTPS on this port");
        var tlsCert = ServerOptions.TlsCert();
        var tlsKey = ServerOptions.TlsKey();
        var keep = new Option<int>("--keep") { Description = "Messages kept in memory without --store (oldest dropped)", DefaultValueFactory = _ => 1000 };
        var command = new Command("serve", "Run a capture SMTP server; prints one line per received message")
        {
            host, port, store, maxSize, user, password, tls, tlsPort, tlsCert, tlsKey, keep,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new SmtpServeSettings(parse.GetValue(host) ?? "127.0.0.1", parse.GetValue(port), parse.GetValue(store)?.FullName,
                parse.GetValue(maxSize), parse.GetValue(user), parse.GetValue(password), parse.GetValue(tlsCert),
                parse.GetValue(tlsKey), parse.GetValue(tls), parse.GetValue(keep), parse.GetValue(tlsPort));
            return await SmtpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
