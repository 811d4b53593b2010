namespace Protocols.Servers.Pop3;

/// <summary>One message as a POP3 session sees it: its unique id (UIDL) and its size in octets.</summary>
/// <param name="UniqueId">1 to 70 printable ASCII characters (0x21-0x7E), stable across sessions (RFC 1939 §7).</param>
public readonly record struct Pop3MessageInfo(string UniqueId, long Size);

/// <summary>
/// The maildrop a POP3 session reads: list messages, open one's bytes, delete some. The session takes a
/// snapshot at login (message numbers stay fixed for the session, RFC 1939 §5) and deletes only at QUIT.
/// </summary>
public interface IPop3Mailbox
{
    /// <summary>The messages now in the maildrop, oldest first.</summary>
    ValueTask<IReadOnlyList<Pop3MessageInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a message's bytes (as stored: header, blank line, body, CRLF line ends); null when it has gone meanwhile.</summary>
    ValueTask<Stream?> OpenAsync(string uniqueId, CancellationToken cancellationToken = default);

    /// <summary>Removes messages; ids already gone are ignored.</summary>
    ValueTask DeleteAsync(IReadOnlyCollection<string> uniqueIds, CancellationToken cancellationToken = default);
}

/// <summary>Checks a login and hands out the user's maildrop.</summary>
public interface IPop3MailboxProvider
{
    /// <summary>The maildrop of <paramref name="user"/>, or null when the user name or password is wrong.</summary>
    ValueTask<IPop3Mailbox?> OpenAsync(string user, string password, CancellationToken cancellationToken = default);
}

/// <summary>Ready-made <see cref="IPop3MailboxProvider"/>s.</summary>
public static class Pop3MailboxProvider
{
    /// <summary>
    /// One maildrop for everyone. With <paramref name="user"/> and <paramref name="password"/> set, only that login
    /// is accepted; without them, any login is (a dev server over captured mail).
    /// </summary>
    public static IPop3MailboxProvider Shared(IPop3Mailbox mailbox, string? user = null, string? password = null)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if ((user is null) != (password is null)) throw new ArgumentException("set both the user and the password, or neither");
        return FromDelegate((u, p, _) => ValueTask.FromResult(
            user is null || (u == user && FixedTimeEquals(p, password!)) ? mailbox : null));
    }

    /// <summary>A provider from a lambda, for tests.</summary>
    public static IPop3MailboxProvider FromDelegate(Func<string, string, CancellationToken, ValueTask<IPop3Mailbox?>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        return new DelegateProvider(open);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private sealed class DelegateProvider(Func<string, string, CancellationToken, ValueTask<IPop3Mailbox?>> open) : IPop3MailboxProvider
    {
        public ValueTask<IPop3Mailbox?> OpenAsync(string user, string password, CancellationToken cancellationToken = default) =>
            open(user, password, cancellationToken);
    }
}
