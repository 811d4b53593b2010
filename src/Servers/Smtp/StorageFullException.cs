namespace Protocols.Servers.Smtp;

/// <summary>
/// A store has no room for the message (a full disk, a quota): the SMTP server answers 452 4.3.1 "Insufficient system
/// storage" instead of 451 4.3.0, so the client knows to retry later rather than suspect the message. A store throws
/// it (or lets an <see cref="IOException"/> of a full disk through) from <see cref="IMessageStore.SaveAsync"/>.
/// </summary>
public sealed class StorageFullException(string message, Exception? innerException = null) : IOException(message, innerException)
{
    private const int Enospc = 28, Edquot = 122; // errno on Linux; .NET puts it in an IOException's HResult there
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027), ErrorDiskFull = unchecked((int)0x80070070);

    /// <summary>Whether the exception, or one it wraps, says the disk is full.</summary>
    public static bool IsFull(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StorageFullException) return true;
            if (e is IOException { HResult: Enospc or Edquot or ErrorHandleDiskFull or ErrorDiskFull }) return true;
        }
        return false;
    }
}
