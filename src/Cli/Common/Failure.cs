using System.Net.Sockets;
using System.Security.Authentication;

namespace Protocols.Cli.Common;

/// <summary>Where a client verb connects to: named in every connection and TLS message.</summary>
/// <param name="NotTlsHint">What to suggest when the server answered in plaintext to a TLS hello.</param>
internal sealed record Target(string Host, int Port, string NotTlsHint = "try --starttls")
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// The one wording of a failure for every client: connection refused names host:port, TLS errors name the host and
/// say what to do (<c>-k/--insecure</c> when the certificate is the problem, <c>--starttls</c> when the server does
/// not speak TLS from the first byte), timeouts say so. Text only: <see cref="Secrets"/> cleans it when printed.
/// </summary>
internal static class Failure
{
    public static string Describe(Exception e, Target? target)
    {
        var where = target?.ToString() ?? "the server";
        if (Find<AuthenticationException>(e) is { } tls) return DescribeTls(tls, target, where);
        if (IsNotTls(e)) return $"TLS with {where} failed: the server did not start TLS; {target?.NotTlsHint ?? "try --starttls"}";
        if (Find<SocketException>(e) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"cannot connect to {where}: connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"cannot resolve {target?.Host ?? "the host"}: {socket.Message}",
                SocketError.TimedOut => $"cannot connect to {where}: timed out",
                SocketError.ConnectionReset => $"{where} reset the connection",
                _ => $"connection to {where} failed: {socket.Message}",
            };
        }
        if (Find<TimeoutException>(e) is { } timeout) return $"timed out talking to {where}: {OneLine(timeout.Message)}";
        return OneLine(e.Message);
    }

    private static string DescribeTls(AuthenticationException tls, Target? target, string where)
    {
        var text = AllMessages(tls);
        if (IsNotTls(tls)) return $"TLS with {where} failed: the server did not start TLS; {target?.NotTlsHint ?? "try --starttls"}";
        if (text.Contains("certificate", StringComparison.OrdinalIgnoreCase) || text.Contains("RemoteCertificate", StringComparison.Ordinal))
            return $"TLS with {where} failed: the server's certificate is not trusted ({OneLine(tls.Message)}); -k/--insecure accepts any certificate";
        return $"TLS with {where} failed: {OneLine(tls.Message)}";
    }

    /// <summary>A plaintext answer read as a TLS record: OpenSSL's "frame size" / "unexpected packet format" errors.</summary>
    private static bool IsNotTls(Exception e)
    {
        var text = AllMessages(e);
        return text.Contains("frame size", StringComparison.OrdinalIgnoreCase)
            || text.Contains("unexpected packet format", StringComparison.OrdinalIgnoreCase)
            || text.Contains("wrong version number", StringComparison.OrdinalIgnoreCase)
            || text.Contains("packet length too long", StringComparison.OrdinalIgnoreCase);
    }

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }

    private static string AllMessages(Exception? e)
    {
        var parts = new List<string>();
        for (; e is not null; e = e.InnerException) parts.Add(e.Message);
        return string.Join(" | ", parts);
    }

    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
