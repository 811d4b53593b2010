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
        var store = new StoreOptions();
        var maxSize = ServerOptions.MaxSize("Largest message in bytes (default 10240000, Postfix's; 0: no limit)");
        var user = ServerOptions.User("Require AUTH with this user");
        var password = ServerOptions.Password();
        var tls = ServerOptions.Tls("Offer STARTTLS");
        var tlsPort = ServerOptions.TlsPort("Also serve SMTPS on this port");
        var tlsCert = ServerOptions.TlsCert();
        var tlsKey = ServerOptions.TlsKey();
        var print = new Option<bool>("--print") { Description = "Write each message to stdout in mbox format (mboxrd); the one-line summaries go to stderr" };
        var command = new Command("serve", "Run a capture SMTP server; prints one line per received message")
        {
            host, port, store.Store, store.Keep, store.MaxBytes, store.MaxAge, maxSize, user, password, tls, tlsPort, tlsCert, tlsKey, print,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (retention, problem) = store.Retention(parse);
            if (problem is not null) return VerbRunner.Usage(Console.Error, problem);
            var location = parse.GetValue(store.Store);
            if (location is not null && !Protocols.Servers.Mail.MailStores.IsPostgres(location)) location = Path.GetFullPath(location);
            var settings = new SmtpServeSettings(parse.GetValue(host) ?? "127.0.0.1", parse.GetValue(port), location,
                parse.GetValue(maxSize), parse.GetValue(user), parse.GetValue(password), parse.GetValue(tlsCert),
                parse.GetValue(tlsKey), parse.GetValue(tls), parse.GetValue(tlsPort), retention)
            { Print = parse.GetValue(print) };
            return await SmtpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
