using System.Security.Cryptography;
using System.Text;

namespace Protocols.Servers.Smtp;

/// <summary>
/// What a client presented in AUTH. The password itself is never exposed (CRAM-MD5 never sends it); an
/// authenticator looks up the user's password and asks <see cref="Verify"/>.
/// </summary>
public sealed class SmtpCredentials
{
    private readonly Func<string, bool> _verify;

    internal SmtpCredentials(string mechanism, string userName, string? authorizationId, Func<string, bool> verify)
    {
        Mechanism = mechanism;
        UserName = userName;
        AuthorizationId = authorizationId;
        _verify = verify;
    }

    /// <summary>PLAIN, LOGIN or CRAM-MD5.</summary>
    public string Mechanism { get; }

    /// <summary>The authentication identity.</summary>
    public string UserName { get; }

    /// <summary>PLAIN's authorization identity, when given and different.</summary>
    public string? AuthorizationId { get; }

    /// <summary>Whether the client proved knowledge of <paramref name="password"/> (constant-time compare).</summary>
    public bool Verify(string password) => _verify(password);

    internal static SmtpCredentials Plain(string mechanism, string user, string? authzid, string presented) =>
        new(mechanism, user, authzid, expected => FixedTimeEquals(expected, presented));

    internal static SmtpCredentials CramMd5(string user, string challenge, string digestHex) =>
        new("CRAM-MD5", user, null, password =>
        {
            var mac = HMACMD5.HashData(Encoding.UTF8.GetBytes(password), Encoding.ASCII.GetBytes(challenge));
            return FixedTimeEquals(Convert.ToHexStringLower(mac), digestHex.ToLowerInvariant());
        });

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}

/// <summary>Checks AUTH credentials.</summary>
public interface ISmtpAuthenticator
{
    /// <summary>Whether the credentials are good.</summary>
    ValueTask<bool> AuthenticateAsync(SmtpCredentials credentials, CancellationToken cancellationToken);
}

/// <summary>Ready-made authenticators.</summary>
public static class SmtpAuthenticator
{
    /// <summary>Looks each user's password up with <paramref name="passwordOf"/> (null: unknown user).</summary>
    public static ISmtpAuthenticator FromLookup(Func<string, string?> passwordOf) => new Lookup(passwordOf);

    /// <summary>One user and password.</summary>
    public static ISmtpAuthenticator Single(string user, string password) =>
        FromLookup(u => string.Equals(u, user, StringComparison.Ordinal) ? password : null);

    /// <summary>A fixed table of users.</summary>
    public static ISmtpAuthenticator FromUsers(IReadOnlyDictionary<string, string> users) =>
        FromLookup(u => users.TryGetValue(u, out var p) ? p : null);

    private sealed class Lookup(Func<string, string?> passwordOf) : ISmtpAuthenticator
    {
        public ValueTask<bool> AuthenticateAsync(SmtpCredentials credentials, CancellationToken cancellationToken) =>
            ValueTask.FromResult(passwordOf(credentials.UserName) is { } p && credentials.Verify(p));
    }
}
