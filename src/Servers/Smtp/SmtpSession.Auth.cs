using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Protocols.Net;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    /// <summary>Longest AUTH client response line: RFC 4954 §4 (12288 octets).</summary>
    private const int MaxAuthLine = 12288;

    private async ValueTask StartTlsAsync(string argument, CancellationToken cancellationToken)
    {
        if (argument.Length != 0)
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        if (IsTls)
        {
            Bad(SmtpRejectReason.BadSequence);
            return;
        }
        if (!CanStartTls)
        {
            Reject(SmtpRejectReason.TlsNotAvailable);
            return;
        }
        Reply(220, "2.0.0", "Ready to start TLS");
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Anything the client pipelined after STARTTLS came in plaintext: discarded, never read as a command.
            await _connection.UpgradeToTlsAsync(_options.GetTlsOptions()!, PlaintextPolicy.Discard, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or TimeoutException)
        {
            Log("TLS handshake failed: {0}", e.Message);
            _closing = true;
            _connection.Abort();
            return;
        }
        // RFC 3207 §4.2: forget everything learnt before TLS; the client must EHLO again.
        ResetTransaction();
        HeloName = null;
        AuthenticatedUser = null;
        _state = SmtpState.Connected;
    }

    private async ValueTask AuthAsync(string argument, CancellationToken cancellationToken)
    {
        if (!AuthOffered)
        {
            Bad(SmtpRejectReason.CommandNotImplemented);
            return;
        }
        if (AuthenticatedUser is not null)
        {
            Bad(SmtpRejectReason.AlreadyAuthenticated);
            return;
        }
        if (!CanAuth || (_options.RequireTls && !IsTls))
        {
            Reject(SmtpRejectReason.TlsRequired);
            return;
        }
        var parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        var mechanism = parts[0].ToUpperInvariant();
        var initial = parts.Length > 1 ? parts[1].Trim() : null;
        if (!_options.AuthMechanisms.Contains(mechanism, StringComparer.OrdinalIgnoreCase))
        {
            Bad(SmtpRejectReason.AuthMechanismNotSupported);
            return;
        }

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
            Bad(e.Reason);
            return;
        }
        catch (LineTooLongException)
        {
            await _connection.Reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
            Bad(SmtpRejectReason.LineTooLong);
            return;
        }

        var ok = credentials is not null
            && await _options.Authenticator!.AuthenticateAsync(credentials, cancellationToken).ConfigureAwait(false);
        if (!ok)
        {
            Log("AUTH {0} failed", mechanism);
            if (++_authFailures >= _limits.MaxAuthFailures)
            {
                Reject(SmtpRejectReason.TooManyAuthFailures);
                return;
            }
            Reject(SmtpRejectReason.AuthenticationFailed);
            return;
        }
        AuthenticatedUser = credentials!.UserName;
        Log("AUTH {0} succeeded", mechanism);
        Reply(235, "2.7.0", "Authentication successful");
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
        return SmtpCredentials.Plain("PLAIN", user, authzid.Length == 0 || authzid == user ? null : authzid, password);
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
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        var line = await _connection.Reader.ReadLineAsync(MaxAuthLine, cancellationToken).ConfigureAwait(false)
            ?? throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, null);
        if (_trace) Trace("C: {0}", "***");
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

    private sealed class AuthAbortedException(SmtpRejectReason reason) : Exception(reason.ToString())
    {
        public SmtpRejectReason Reason { get; } = reason;
    }
}
