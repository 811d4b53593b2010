using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    /// <summary>Longest AUTH client response line: RFC 4954 §4 (12288 octets).</summary>
    private const int MaxAuthLine = 12288;

    private async ValueTask<bool> StartTlsAsync(CancellationToken cancellationToken)
    {
        if (IsTls) return await Refused(SmtpRejectReason.BadSequence, bad: true).ConfigureAwait(false);
        if (!CanStartTls) return await Refused(SmtpRejectReason.TlsNotAvailable).ConfigureAwait(false);
        var goAhead = UseEnhanced ? "220 2.0.0 Ready to start TLS\r\n"u8.ToArray() : "220 Ready to start TLS\r\n"u8.ToArray();
        if (TraceEnabled) TraceReply(System.Text.Encoding.ASCII.GetString(goAhead).TrimEnd());
        // Anything the client pipelined after STARTTLS came in plaintext: discarded, never read as a command.
        if (!await UpgradeToTlsAsync(_options.GetTlsOptions()!, goAhead, cancellationToken).ConfigureAwait(false)) return false;
        // RFC 3207 §4.2: forget everything learnt before TLS; the client must EHLO again.
        ResetTransaction();
        HeloName = null;
        AuthenticatedUser = null;
        State = SmtpState.Connected;
        return true;
    }

    private async ValueTask<bool> AuthAsync(string argument, CancellationToken cancellationToken)
    {
        if (!AuthOffered) return await Refused(SmtpRejectReason.CommandNotImplemented, bad: true).ConfigureAwait(false);
        if (AuthenticatedUser is not null) return await Refused(SmtpRejectReason.AlreadyAuthenticated, bad: true).ConfigureAwait(false);
        if (!CanAuth || (_options.RequireTls && !IsTls)) return await Refused(SmtpRejectReason.TlsRequired).ConfigureAwait(false);
        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return await Refused(SmtpRejectReason.SyntaxError, bad: true).ConfigureAwait(false);
        var mechanism = parts[0].ToUpperInvariant();
        var initial = parts.Length > 1 ? parts[1].Trim() : null;
        if (!_options.AuthMechanisms.Contains(mechanism, StringComparer.OrdinalIgnoreCase))
            return await Refused(SmtpRejectReason.AuthMechanismNotSupported, bad: true).ConfigureAwait(false);

        SmtpCredentials? credentials;
        try
        {
            credentials = mechanism switch
            {
                "PLAIN" => await PlainAsync(initial, cancellationToken).ConfigureAwait(false),
                "LOGIN" => await LoginAsync(initial, cancellationToken).ConfigureAwait(false),
                "CRAM-MD5" => await CramMd5Async(initial, cancellationToken).ConfigureAwait(false),
                _ => throw new AuthAbortedException(SmtpRejectReason.AuthMechanismNotSupported),
            };
        }
        catch (AuthAbortedException e)
        {
            return await Refused(e.Reason, bad: true, e.Text).ConfigureAwait(false);
        }
        catch (LineTooLongException)
        {
            await Connection.Reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
            return await Refused(SmtpRejectReason.LineTooLong, bad: true).ConfigureAwait(false);
        }

        var ok = credentials is not null
            && await _options.Authenticator!.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            // Counted here and for the address across connections; the answer waits a growing delay.
            return await Refused(await AuthFailedAsync(cancellationToken).ConfigureAwait(false)
                ? SmtpRejectReason.TooManyAuthFailures
                : SmtpRejectReason.AuthenticationFailed).ConfigureAwait(false);
        }
        AuthSucceeded();
        AuthenticatedUser = credentials!.UserName;
        Reply(235, "2.7.0", "Authentication successful");
        return true;
    }

    private async ValueTask<SmtpCredentials?> PlainAsync(string? initial, CancellationToken cancellationToken)
    {
        var response = initial ?? await ChallengeAsync("", cancellationToken).ConfigureAwait(false);
        var bytes = Decode(response);
        // authzid NUL authcid NUL passwd (RFC 4616)
        var first = Array.IndexOf(bytes, (byte)0);
        var second = first < 0 ? -1 : Array.IndexOf(bytes, (byte)0, first + 1);
        if (first < 0 || second < 0) throw new AuthAbortedException(SmtpRejectReason.SyntaxError);
        var authzid = Encoding.UTF8.GetString(bytes, 0, first);
        var user = Encoding.UTF8.GetString(bytes, first + 1, second - first - 1);
        var password = Encoding.UTF8.GetString(bytes, second + 1, bytes.Length - second - 1);
        CryptographicOperations.ZeroMemory(bytes);
        if (user.Length == 0) throw new AuthAbortedException(SmtpRejectReason.SyntaxError);
        // Acting for another identity (RFC 4616 §2) is not supported: silently dropping the authzid would log the
        // session as the one user while the client believes it acts as the other.
        if (authzid.Length != 0 && authzid != user)
            throw new AuthAbortedException(SmtpRejectReason.AuthenticationFailed, "Authorization identity must be empty or the user name");
        return SmtpCredentials.Plain("PLAIN", user, null, password);
    }

    private async ValueTask<SmtpCredentials?> LoginAsync(string? initial, CancellationToken cancellationToken)
    {
        var userLine = initial ?? await ChallengeAsync("VXNlcm5hbWU6", cancellationToken).ConfigureAwait(false); // "Username:"
        var user = Encoding.UTF8.GetString(Decode(userLine));
        var passwordBytes = Decode(await ChallengeAsync("UGFzc3dvcmQ6", cancellationToken).ConfigureAwait(false)); // "Password:"
        var password = Encoding.UTF8.GetString(passwordBytes);
        CryptographicOperations.ZeroMemory(passwordBytes);
        if (user.Length == 0) throw new AuthAbortedException(SmtpRejectReason.SyntaxError);
        return SmtpCredentials.Plain("LOGIN", user, null, password);
    }

    private async ValueTask<SmtpCredentials?> CramMd5Async(string? initial, CancellationToken cancellationToken)
    {
        if (initial is not null) throw new AuthAbortedException(SmtpRejectReason.SyntaxError); // no initial response (RFC 2195)
        var challenge = $"<{RandomNumberGenerator.GetInt32(int.MaxValue)}.{_options.TimeProvider.GetUtcNow().ToUnixTimeSeconds()}@{_options.ServerName}>";
        var response = Encoding.UTF8.GetString(Decode(await ChallengeAsync(
            Convert.ToBase64String(Encoding.ASCII.GetBytes(challenge)), cancellationToken).ConfigureAwait(false)));
        var space = response.LastIndexOf(' ');
        if (space <= 0 || response.Length - space - 1 != 32) throw new AuthAbortedException(SmtpRejectReason.SyntaxError);
        return SmtpCredentials.CramMd5(response[..space], challenge, response[(space + 1)..]);
    }

    /// <summary>Sends a 334 challenge and reads the client's line ("*" cancels). Never logs the answer.</summary>
    private async ValueTask<string> ChallengeAsync(string challenge, CancellationToken cancellationToken)
    {
        Reply(334, null, challenge);
        var line = await ReadLineAsync(MaxAuthLine, cancellationToken).ConfigureAwait(false)
            ?? throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, null);
        var text = Encoding.ASCII.GetString(line.ToArray()).Trim();
        if (text == "*") throw new AuthAbortedException(SmtpRejectReason.AuthCancelled);
        return text;
    }

    private static byte[] Decode(string base64)
    {
        if (base64 == "=") return [];
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new AuthAbortedException(SmtpRejectReason.SyntaxError);
        }
    }

    private sealed class AuthAbortedException(SmtpRejectReason reason, string? text = null) : Exception(reason.ToString())
    {
        public SmtpRejectReason Reason { get; } = reason;

        public string? Text { get; } = text;
    }
}
