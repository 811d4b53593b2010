namespace Protocols.Servers.Ftp;

/// <summary>Scripted faults for tests: a reply to the Nth STOR of a session, a download cut after N bytes.</summary>
public sealed class FtpFaults
{
    /// <summary>Answer the Nth STOR/APPE/STOU of each session (1-based) with this reply instead of storing.</summary>
    public (int Nth, int Code, string Text)? ReplyToStor { get; set; }

    /// <summary>Cut every download's data connection after this many bytes (the client sees a short file and 426).</summary>
    public long? DropDataAfterBytes { get; set; }

    /// <summary>Raised when an upload completes, with its virtual path.</summary>
    public event Action<string>? Stored;

    internal void OnStored(string path) => Stored?.Invoke(path);
}
