using System.Globalization;
using Protocols.Cli.Common;
using MimeKit;
using Protocols.Net;
using Protocols.Smtp;

namespace Protocols.Cli.Smtp;

internal sealed record SmtpSendSettings(
    string Server, string From, string[] To, string[] Cc, string? Subject, string? Body, string? BodyFile, string? HtmlFile,
    string[] Attachments, string? Eml, bool StartTls, bool Tls, string? User, string? Password, bool Insecure, bool Verbose,
    TimeSpan Timeout, int Repeat = 1);

/// <summary>Does what <c>proto smtp send</c> asks. Exit codes (<see cref="ExitCodes"/>): 0 every recipient accepted; 1 the
/// server refused something (its reply is printed), or a connection, TLS or protocol failure, or a timeout; 2 bad
/// arguments or files; 130 cancelled.</summary>
internal static class SmtpSendRunner
{
    public static async Task<int> RunAsync(SmtpSendSettings s, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (s.StartTls && s.Tls) return Usage(stderr, "--starttls and --tls exclude each other");
        if ((s.User is null) != (s.Password is null)) return Usage(stderr, "--user and --password go together");
        if (s.Repeat < 1) return Usage(stderr, "--repeat must be at least 1");
        if (s.To.Length + s.Cc.Length == 0) return Usage(stderr, "give at least one --to or --cc");
        if (!TryParseServer(s.Server, s.Tls ? 465 : 25, out var host, out var port)) return Usage(stderr, $"bad --server {s.Server}: expected HOST[:PORT]");

        // --eml goes as is (raw bytes, envelope from --from/--to/--cc); otherwise MimeKit builds the message and the
        // envelope comes from its From, To and Cc (the same addresses).
        Message message;
        try
        {
            message = s.Eml is not null ? new Message(await File.ReadAllBytesAsync(s.Eml, cancellationToken).ConfigureAwait(false), null)
                : new Message(null, await BuildAsync(s, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            return Usage(stderr, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return VerbRunner.Cancelled(stderr);
        }

        var target = new Target(host, port);
        return await VerbRunner.RunAsync(stderr, () => target, () => SendAsync(s, message, host, port, stdout, stderr, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Either the bytes of an .eml file or a message MimeKit built.</summary>
    private sealed record Message(byte[]? Eml, MimeMessage? Built);

    private static async Task<int> SendAsync(SmtpSendSettings s, Message message, string host, int port, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        await using var client = new SmtpClient
        {
            Timeout = s.Timeout,
            ConnectTimeout = s.Timeout,
            Tls = new TlsClientOptions { AcceptAnyCertificate = s.Insecure },
            ProtocolLogger = s.Verbose ? new TextProtocolLogger(stderr) : null,
        };
        var security = s.Tls ? SmtpEncryption.SslOnConnect : s.StartTls ? SmtpEncryption.StartTls : SmtpEncryption.StartTlsWhenAvailable;
        await client.ConnectAsync(host, port, security, cancellationToken).ConfigureAwait(false);
        if (s.User is not null) await client.AuthenticateAsync(s.User, s.Password!, cancellationToken).ConfigureAwait(false);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var progress = s.Repeat > 1 ? TransferProgress.Start("sent", s.Repeat, ProgressUnit.Messages) : null;
        Task<SmtpSendResult> SendOnceAsync() => message.Built is { } built
            ? client.SendAsync(built, cancellationToken)
            : client.SendAsync(message.Eml!, s.From, s.To.Concat(s.Cc), cancellationToken);
        var result = await SendOnceAsync().ConfigureAwait(false);
        progress?.Report(1);
        for (var i = 1; i < s.Repeat && result.AllAccepted; i++)
        {
            result = await SendOnceAsync().ConfigureAwait(false);
            progress?.Report(i + 1);
        }
        progress?.Complete();
        await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        if (s.Repeat > 1)
        {
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sent {s.Repeat} messages in {seconds:0.000} s: {s.Repeat / seconds:0} msg/s")).ConfigureAwait(false);
        }
        foreach (var r in result.Rejected) VerbRunner.Error(stderr, $"{r.Address} refused: {r.StatusCode} {r.Response}");
        await stdout.WriteLineAsync($"sent {result.Size} bytes to {result.Accepted.Count()} of {result.Recipients.Count} recipients: {result.FinalReply.Code} {result.Response}").ConfigureAwait(false);
        return result.AllAccepted ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<MimeMessage> BuildAsync(SmtpSendSettings s, CancellationToken cancellationToken)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(s.From));
        foreach (var t in s.To) m.To.Add(MailboxAddress.Parse(t));
        foreach (var c in s.Cc) m.Cc.Add(MailboxAddress.Parse(c));
        m.Subject = s.Subject ?? "";
        m.Date = DateTimeOffset.Now;
        var builder = new BodyBuilder
        {
            TextBody = s.BodyFile is not null ? await File.ReadAllTextAsync(s.BodyFile, cancellationToken).ConfigureAwait(false) : s.Body ?? "",
            HtmlBody = s.HtmlFile is not null ? await File.ReadAllTextAsync(s.HtmlFile, cancellationToken).ConfigureAwait(false) : null,
        };
        foreach (var a in s.Attachments) await builder.Attachments.AddAsync(a, cancellationToken).ConfigureAwait(false);
        m.Body = builder.ToMessageBody();
        return m;
    }

    internal static bool TryParseServer(string server, int defaultPort, out string host, out int port)
    {
        host = server;
        port = defaultPort;
        if (string.IsNullOrWhiteSpace(server)) return false;
        if (server.StartsWith('['))
        {
            var close = server.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = server[1..close];
            var rest = server[(close + 1)..];
            return rest.Length == 0 || (rest[0] == ':' && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536);
        }
        var colon = server.LastIndexOf(':');
        if (colon < 0 || server.IndexOf(':', StringComparison.Ordinal) != colon) return true;
        host = server[..colon];
        return host.Length > 0 && int.TryParse(server[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
    }

    private static int Usage(TextWriter stderr, string message) => VerbRunner.Usage(stderr, message);
}
