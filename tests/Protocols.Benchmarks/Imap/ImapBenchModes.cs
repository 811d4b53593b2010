using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;

namespace Protocols.Benchmarks.Imap;

/// <summary>
/// The client side of imap-bench.sh: the same messages written as a maildir (for Dovecot) or sent over SMTP (for our
/// server), then MailKit's ImapClient timing three rows against either server.
/// <code>
/// imap-maildir DIR COUNT          writes COUNT messages into DIR/cur
/// imap-seed SMTPPORT COUNT        sends COUNT messages over SMTP (10 connections)
/// imap-client IMAPPORT WHOLE      prints: summaries-seconds whole-seconds search-seconds count matched
/// </code>
/// </summary>
internal static class ImapBenchModes
{
    public static async Task<int?> TryRunAsync(string[] args)
    {
        if (args.Length == 0) return null;
        switch (args[0])
        {
            case "imap-maildir":
            {
                var dir = Path.Combine(args[1], "cur");
                Directory.CreateDirectory(dir);
                var count = int.Parse(args[2], CultureInfo.InvariantCulture);
                for (var i = 1; i <= count; i++)
                    await File.WriteAllBytesAsync(Path.Combine(dir, $"{1700000000 + i}.{i}.bench:2,"), Message(i));
                return 0;
            }
            case "imap-seed":
            {
                var port = int.Parse(args[1], CultureInfo.InvariantCulture);
                var count = int.Parse(args[2], CultureInfo.InvariantCulture);
                var next = 0;
                await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
                {
                    using var smtp = new MailKit.Net.Smtp.SmtpClient();
                    await smtp.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
                    int i;
                    while ((i = Interlocked.Increment(ref next)) <= count)
                    {
                        using var stream = new MemoryStream(Message(i));
                        await smtp.SendAsync(await MimeKit.MimeMessage.LoadAsync(stream));
                    }
                    await smtp.DisconnectAsync(true);
                }));
                return 0;
            }
            case "imap-client":
                return await ClientAsync(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));
            default:
                return null;
        }
    }

    private static async Task<int> ClientAsync(int port, int whole)
    {
        using var client = new ImapClient { Timeout = 600_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await client.AuthenticateAsync("bench", "pass");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var watch = Stopwatch.StartNew();
        var summaries = await inbox.FetchAsync(0, -1,
            MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId);
        var summaryTime = watch.Elapsed.TotalSeconds;
        watch.Restart();
        long bytes = 0;
        foreach (var s in summaries.Take(whole))
        {
            using var stream = await inbox.GetStreamAsync(s.UniqueId, "");
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) bytes += n;
        }
        var wholeTime = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var found = await inbox.SearchAsync(SearchQuery.SubjectContains("order 77").Or(SearchQuery.FromContains("carol")));
        var searchTime = watch.Elapsed.TotalSeconds;
        await client.DisconnectAsync(true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{summaryTime:0.000} {wholeTime:0.000} {searchTime:0.000} {summaries.Count} {found.Count} {bytes}"));
        return 0;
    }

    private static readonly string[] Senders = ["Alice <alice@example.com>", "Bob <bob@example.com>", "Carol <carol@example.com>", "Dave <dave@example.com>"];

    /// <summary>Message i: 2-3 KB, every fifth a multipart with a small attachment.</summary>
    internal static byte[] Message(int i)
    {
        var sb = new StringBuilder();
        sb.Append("From: ").Append(Senders[i % Senders.Length]).Append("\r\n");
        sb.Append("To: bench@example.com\r\nSubject: order ").Append(i).Append(" shipped\r\n");
        sb.Append("Date: Tue, 3 Nov 2026 12:00:00 +0000\r\nMessage-ID: <bench").Append(i).Append("@example.com>\r\nMIME-Version: 1.0\r\n");
        var text = string.Concat(Enumerable.Range(0, 30).Select(l => $"Line {l} of message {i}: the quick brown fox jumps over the lazy dog.\r\n"));
        if (i % 5 != 0)
        {
            sb.Append("Content-Type: text/plain; charset=utf-8\r\n\r\n").Append(text);
        }
        else
        {
            sb.Append("Content-Type: multipart/mixed; boundary=\"b").Append(i).Append("\"\r\n\r\n");
            sb.Append("--b").Append(i).Append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n").Append(text).Append("\r\n");
            sb.Append("--b").Append(i).Append("\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            sb.Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(text[..600]), Base64FormattingOptions.InsertLineBreaks)).Append("\r\n");
            sb.Append("--b").Append(i).Append("--\r\n");
        }
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
