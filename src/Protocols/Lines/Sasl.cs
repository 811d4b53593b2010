using System.Security.Cryptography;
using System.Text;

namespace Protocols.Lines;

/// <summary>SASL mechanisms that SMTP and POP3 use: PLAIN (RFC 4616), LOGIN, and CRAM-MD5 (RFC 2195).</summary>
public static class Sasl
{
    /// <summary>The PLAIN initial response: base64 of <c>authzid NUL authcid NUL password</c>.</summary>
    public static string EncodePlain(string user, string password, string? authorizationId = null) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authorizationId}\0{user}\0{password}"));

    /// <summary>Decodes a PLAIN response; false when it is not base64 or not three NUL-separated fields.</summary>
    public static bool TryDecodePlain(string base64, out string authorizationId, out string user, out string password)
    {
        authorizationId = user = password = "";
        if (!TryDecodeBase64(base64, out var text)) return false;
        var parts = text.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0) return false;
        (authorizationId, user, password) = (parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>Base64 of UTF-8 text (LOGIN sends the user and the password this way).</summary>
    public static string EncodeBase64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Decodes base64 into UTF-8 text; false when it is not base64.</summary>
    public static bool TryDecodeBase64(string base64, out string text)
    {
        text = "";
        var bytes = new byte[(base64?.Length ?? 0) * 3 / 4 + 3];
        if (base64 is null || !Convert.TryFromBase64String(base64.Trim(), bytes, out var written)) return false;
        text = Encoding.UTF8.GetString(bytes, 0, written);
        return true;
    }

    /// <summary>A fresh CRAM-MD5 challenge such as <c>&lt;1896.697170952@host&gt;</c>.</summary>
    public static string CreateCramMd5Challenge(string hostName) =>
        $"<{RandomNumberGenerator.GetInt32(int.MaxValue)}.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}@{hostName}>";

    /// <summary>The CRAM-MD5 response text: <c>user SP hex(HMAC-MD5(password, challenge))</c>, to be base64-encoded.</summary>
    public static string CramMd5Response(string user, string password, string challenge)
    {
#pragma warning disable CA5351 // CRAM-MD5 is defined on MD5 (RFC 2195); it is offered only where a peer asks for it.
        var digest = HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(challenge));
#pragma warning restore CA5351
        return $"{user} {Convert.ToHexStringLower(digest)}";
    }

    /// <summary>Checks a decoded CRAM-MD5 response against the password, in constant time.</summary>
    public static bool VerifyCramMd5(string response, string challenge, Func<string, string?> passwordOf)
    {
        ArgumentNullException.ThrowIfNull(passwordOf);
        var space = response?.LastIndexOf(' ') ?? -1;
        if (space <= 0) return false;
        var user = response![..space];
        var password = passwordOf(user);
        if (password is null) return false;
        var expected = Encoding.ASCII.GetBytes(CramMd5Response(user, password, challenge));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(response));
    }
}
