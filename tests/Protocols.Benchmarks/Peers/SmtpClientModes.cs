using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Protocols.Benchmarks.Peers;

/// <summary>
/// <c>smtpclient-send PORT COUNT ours|mailkit</c>: COUNT messages of 1 KiB over one connection to 127.0.0.1:PORT with
/// our <see cref="Protocols.Smtp.SmtpClient"/> or MailKit's, timed after connect (2,000 warm-up messages first). Prints
/// one line: msg/s, CPU per message and bytes allocated per message (every thread).
/// </summary>
internal static class SmtpClientModes
{
    private const int WarmUp = 2000;

    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length != 4 || args[0] != "smtpclient-send") return null;
        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var message = Message();
        Func<Task> once;
        Func<Task> close;
        if (args[3] == "ours")
        {
            var client = new Protocols.Smtp.SmtpClient();
            await client.ConnectAsync("127.0.0.1", port, Protocols.Smtp.SecureSocketOptions.None).ConfigureAwait(false);
            string[] to = ["b@example.org"];
            once = async () =>
            {
                var result = await client.SendAsync(message, "a@example.org", to).ConfigureAwait(false);
                if (!result.AllAccepted) throw new InvalidOperationException("refused");
            };
            close = async () =>
            {
                await client.DisconnectAsync(true).ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
            };
        }
        else
        {
            var client = new MailKit.Net.Smtp.SmtpClient();
            await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None).ConfigureAwait(false);
            var mime = MimeKit.MimeMessage.Load(new MemoryStream(message));
            var sender = MimeKit.MailboxAddress.Parse("a@example.org");
            MimeKit.MailboxAddress[] to = [MimeKit.MailboxAddress.Parse("b@example.org")];
            once = () => client.SendAsync(mime, sender, to);
            close = async () =>
            {
                await client.DisconnectAsync(true).ConfigureAwait(false);
                client.Dispose();
            };
        }
        for (var i = 0; i < WarmUp; i++) await once().ConfigureAwait(false);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) await once().ConfigureAwait(false);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        await close().ConfigureAwait(false);
        Console.WriteLine(FormattableString.Invariant(
            $"client={args[3]} messages={count} seconds={seconds:0.000} rate={count / seconds:0} cpuPerMessageUs={cpuSeconds * 1e6 / count:0.0} allocPerMessage={bytes / (double)count:0}"));
        return 0;
    }

    /// <summary>A 1 KiB message: three header lines and 78-character body lines.</summary>
    private static byte[] Message()
    {
        var text = new StringBuilder("From: a@example.org\r\nTo: b@example.org\r\nSubject: bench\r\n\r\n");
        while (text.Length < 1024 - 80) text.Append('x', 78).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
