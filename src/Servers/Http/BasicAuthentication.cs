using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Protocols.Servers.Http;

/// <summary>HTTP basic authentication (RFC 7617) against one user name and password, compared in constant time.</summary>
internal sealed class BasicAuthentication(string userName, string password, string realm)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(userName + ":" + password);
    private readonly StringValues _challenge = $"Basic realm=\"{realm.Replace("\"", "", StringComparison.Ordinal)}\", charset=\"UTF-8\"";

    public bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString().AsSpan().Trim();
        if (header.Length < 6 || !header[..6].Equals("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        var encoded = header[6..].Trim();
        if (encoded.Length > 4096) return false;
        Span<byte> decoded = stackalloc byte[encoded.Length];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var written)) return false;
        return CryptographicOperations.FixedTimeEquals(decoded[..written], _expected);
    }

    public Task ChallengeAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = _challenge;
        return Responses.StatusAsync(context, StatusCodes.Status401Unauthorized);
    }
}
