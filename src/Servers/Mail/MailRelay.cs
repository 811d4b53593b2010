using System.Collections.Concurrent;
using Protocols.Net;
using Protocols.Smtp;

namespace Protocols.Servers.Mail;

/// <summary>How a relay secures its connection: none (plaintext), STARTTLS (required), or implicit TLS (SMTPS).</summary>
public enum MailRelayTls
{
    None,
    StartTls,
    Implicit,
}

/// <summary>
/// Where to release a captured message: a real SMTP server, its TLS mode, optional credentials (never logged: the
/// client's transcript redacts AUTH), and <see cref="Insecure"/> to accept any certificate (a self-signed test server).
/// </summary>
public sealed record MailRelayTarget(string Host, int Port, MailRelayTls Tls = MailRelayTls.None, string? User = null, string? Password = null,
    bool Insecure = false)
{
    /// <summary>The password must never reach a log or a JSON answer.</summary>
    public override string ToString() => $"{Host}:{Port} ({Tls}{(User is null ? "" : ", as " + User)})";
}

/// <summary>What a relay came to: the server's final reply (code and text), whom it was sent to, and the SMTP
/// transcript with AUTH redacted. <see cref="Code"/> 0 when no reply came (connection or TLS failure).</summary>
public sealed record MailRelayResult(bool Ok, int Code, string Reply, string Server, IReadOnlyList<string> Recipients, DateTimeOffset At, string Transcript);

/// <summary>
/// Releases stored messages to a real SMTP server with our own <see cref="SmtpClient"/>: the raw bytes as captured
/// (no header rewritten) with an explicit envelope. Keeps the last result per message (in memory, for the page and
/// the detail JSON). One connection per release, each with its own deadlines.
/// </summary>
public sealed class MailRelay
{
    private readonly ConcurrentDictionary<string, MailRelayResult> _results = new(StringComparer.Ordinal);

    /// <summary>Limit on connecting to the target.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Limit on each wait for the target's reply.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The last relay of message <paramref name="id"/>, or null when it was never relayed.</summary>
    public MailRelayResult? LastResult(string id) => _results.TryGetValue(id, out var result) ? result : null;

    /// <summary>
    /// Sends message <paramref name="id"/> to <paramref name="target"/> from its envelope sender to
    /// <paramref name="recipients"/> (null: its envelope recipients). Null when there is no such message; otherwise
    /// the result, refused or not (a refusal or a broken connection is an answer, not an exception).
    /// </summary>
    public async Task<MailRelayResult?> ReleaseAsync(IMailStore store, string id, MailRelayTarget target, IReadOnlyList<string>? recipients = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(target);
        var mail = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (mail is null) return null;
        var stream = await store.OpenRawAsync(id, cancellationToken).ConfigureAwait(false);
        if (stream is null) return null;
        var bytes = new byte[mail.Summary.Size];
        await using (stream.ConfigureAwait(false))
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        var to = recipients is { Count: > 0 } ? recipients : mail.Summary.EnvelopeTo;
        var result = await SendAsync(bytes, mail.Summary.EnvelopeFrom, to, target, cancellationToken).ConfigureAwait(false);
        _results[id] = result;
        return result;
    }

    private async Task<MailRelayResult> SendAsync(byte[] message, string from, IReadOnlyList<string> to, MailRelayTarget target, CancellationToken cancellationToken)
    {
        var transcript = new StringWriter();
        var server = $"{target.Host}:{target.Port}";
        await using var client = new SmtpClient
        {
            ConnectTimeout = ConnectTimeout,
            Timeout = Timeout,
            ProtocolLogger = new TextProtocolLogger(transcript),
            Tls = new TlsClientOptions { AcceptAnyCertificate = target.Insecure },
        };
        MailRelayResult Result(bool ok, int code, string reply) =>
            new(ok, code, reply, server, [.. to], DateTimeOffset.UtcNow, transcript.ToString());
        try
        {
            var mode = target.Tls switch
            {
                MailRelayTls.StartTls => SmtpEncryption.StartTls,
                MailRelayTls.Implicit => SmtpEncryption.SslOnConnect,
                _ => SmtpEncryption.None,
            };
            await client.ConnectAsync(target.Host, target.Port, mode, cancellationToken).ConfigureAwait(false);
            if (target.User is not null) await client.AuthenticateAsync(target.User, target.Password ?? "", cancellationToken).ConfigureAwait(false);
            var sent = await client.SendAsync(message, from, to, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            var refused = sent.Rejected.Select(r => $"{r.Address}: {r.StatusCode} {r.Response}").ToList();
            var reply = sent.FinalReply.Code + " " + sent.FinalReply.Text + (refused.Count == 0 ? "" : " (refused " + string.Join("; ", refused) + ")");
            return Result(true, sent.FinalReply.Code, reply);
        }
        catch (SmtpRefusedException e)
        {
            var recipients = e.Recipients.Count == 0 ? "" : " (" + string.Join("; ", e.Recipients.Select(r => $"{r.Address}: {r.StatusCode} {r.Response}")) + ")";
            return Result(false, e.StatusCode, e.Message + recipients);
        }
        catch (Exception e) when (e is SmtpConnectionException or SmtpNotSupportedException or TimeoutException or IOException)
        {
            return Result(false, 0, e.Message);
        }
    }
}
