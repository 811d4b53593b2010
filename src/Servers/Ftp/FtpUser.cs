using System.Net;
using System.Security.Cryptography;
using System.Text;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

/// <summary>A logged-in user: their own tree and whether they may change it.</summary>
public sealed record FtpUser(string Name, IFtpFileSystem FileSystem, bool CanWrite)
{
    public bool IsAnonymous { get; init; }
}

/// <summary>Checks a user name and password. Return null to refuse.</summary>
public interface IFtpAuthenticator
{
    /// <summary>Whether <paramref name="userName"/> is an anonymous login (any password accepted).</summary>
    bool IsAnonymous(string userName);

    ValueTask<FtpUser?> AuthenticateAsync(string userName, string password, EndPoint? remote, CancellationToken cancellationToken = default);
}

/// <summary>
/// Users in memory: named users with a password, a root and write permission, and optionally anonymous
/// (<c>anonymous</c> or <c>ftp</c>, any password; read-only unless said otherwise).
/// </summary>
public sealed class FtpUserStore : IFtpAuthenticator
{
    private readonly Dictionary<string, (byte[] Hash, FtpUser User)> _users = new(StringComparer.Ordinal);
    private FtpUser? _anonymous;

    public FtpUserStore Add(string userName, string password, IFtpFileSystem fileSystem, bool canWrite = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        _users[userName] = (Hash(password), new FtpUser(userName, fileSystem, canWrite));
        return this;
    }

    public FtpUserStore AllowAnonymous(IFtpFileSystem fileSystem, bool canWrite = false)
    {
        _anonymous = new FtpUser("anonymous", fileSystem, canWrite) { IsAnonymous = true };
        return this;
    }

    public bool IsAnonymous(string userName) =>
        _anonymous is not null && (userName.Equals("anonymous", StringComparison.OrdinalIgnoreCase) || userName.Equals("ftp", StringComparison.OrdinalIgnoreCase));

    public ValueTask<FtpUser?> AuthenticateAsync(string userName, string password, EndPoint? remote, CancellationToken cancellationToken = default)
    {
        if (IsAnonymous(userName)) return ValueTask.FromResult(_anonymous);
        // Hash even for unknown users so timing does not tell which names exist.
        var given = Hash(password);
        if (_users.TryGetValue(userName, out var entry) && CryptographicOperations.FixedTimeEquals(given, entry.Hash))
            return ValueTask.FromResult<FtpUser?>(entry.User);
        return ValueTask.FromResult<FtpUser?>(null);
    }

    private static byte[] Hash(string password) => SHA256.HashData(Encoding.UTF8.GetBytes(password));
}
