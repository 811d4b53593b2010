using System.Net;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Benchmarks.Hardening;

/// <summary>
/// A stand-in for <c>proto smtp serve --store DIR</c> when the CLI is not built: <c>smtp-store PORT DIR</c>
/// runs an SMTP server (<see cref="Protocols.Servers.Smtp.SmtpServer"/>: the line listener, as <c>proto smtp serve</c>) on 127.0.0.1:PORT
/// (0 for any) that stores every message in the SQLite mail store in DIR (the one store, through
/// <see cref="MailStoreSmtpStore"/>), prints "ready PORT" when listening and runs until killed or stdin closes. The
/// hardening kill -9 test falls back to it.
/// </summary>
internal static class HardeningModes
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length != 3 || args[0] != "smtp-store") return null;
        var port = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        await using var store = await MailStores.OpenAsync(args[2]).ConfigureAwait(false);
        var options = new SmtpServerOptions { Store = new MailStoreSmtpStore(store) };
        options.Limits.MaxConnections = 1000;
        await using var server = await Protocols.Servers.Smtp.SmtpServer.StartAsync(options, new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
        Console.WriteLine($"ready {server.EndPoint.Port}");
        await Task.Run(() => Console.In.ReadToEnd()).ConfigureAwait(false);
        await server.StopAsync().ConfigureAwait(false);
        return 0;
    }
}
