using System.Net.Security;
using Protocols.Net;

namespace Protocols.Ftp;

/// <summary>How the control connection is protected.</summary>
public enum FtpEncryption
{
    /// <summary>Plain FTP.</summary>
    None,
    /// <summary>AUTH TLS after connecting, then PBSZ 0 and PROT P (RFC 4217), as curl's <c>--ssl-reqd</c>.</summary>
    Explicit,
    /// <summary>TLS from the first byte (the <c>ftps://</c> scheme, port 990).</summary>
    Implicit,
}

/// <summary>How data connections are opened.</summary>
public enum FtpDataMode
{
    /// <summary>EPSV, falling back to PASV when the server refuses it (the default, as curl and FluentFTP).</summary>
    AutoPassive,
    ExtendedPassive,
    Passive,
    /// <summary>The server connects to us (EPRT, falling back to PORT).</summary>
    Active,
}

/// <summary>What an upload or download does when the target already exists.</summary>
public enum FtpExists
{
    Overwrite,
    /// <summary>Append the whole source to the existing target (APPE).</summary>
    Append,
    /// <summary>Continue where the target ends (REST / APPE with the missing tail).</summary>
    Resume,
    Skip,
}

/// <summary>The outcome of one file of a transfer.</summary>
public enum FtpStatus
{
    Success,
    Skipped,
    Failed,
}

/// <summary>Progress of one transfer.</summary>
public readonly record struct FtpProgress(string RemotePath, long TransferredBytes, long? TotalBytes);

/// <summary>Settings of an <see cref="FtpClient"/>. Each default says where it comes from.</summary>
public sealed class FtpClientOptions
{
    public FtpEncryption Encryption { get; set; } = FtpEncryption.None;

    public FtpDataMode DataMode { get; set; } = FtpDataMode.AutoPassive;

    /// <summary>Accept any server certificate (self-signed test servers; curl's <c>-k</c>). Off by default.</summary>
    public bool AcceptAnyCertificate { get; set; }

    /// <summary>
    /// The name sent as SNI, checked against the server's certificate, and under which the TLS session is kept for the
    /// data connections to resume (vsftpd's default <c>require_ssl_reuse=YES</c>, FileZilla Server). Default: the host
    /// connected to. .NET resumes sessions only under a host name, never an IP literal: when connecting by address to a
    /// server that requires reuse, set the name its certificate carries here.
    /// </summary>
    public string? TlsTargetHost { get; set; }

    /// <summary>Custom certificate check; overrides <see cref="AcceptAnyCertificate"/>.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }

    /// <summary>Time to open the control connection. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to wait for each reply, and for each data read or write to make progress. Default 60 s (curl waits without end; FluentFTP 15 s).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Where the control connection is logged, as raw bytes with PASS and ACCT redacted (<see cref="ProtocolSecretDetector"/>);
    /// data connections are not logged. Null for none. <c>new TextProtocolLogger(Console.Error, "&gt; ", "&lt; ")</c>
    /// prints <c>&gt; USER x</c>, <c>&lt; 331 ...</c>.
    /// </summary>
    public IProtocolLogger? ProtocolLogger { get; set; }

    /// <summary>Where connections are opened: TCP sockets (the default), or a <see cref="MemoryNetwork"/> in tests.</summary>
    public INetwork Network { get; set; } = SocketNetwork.Shared;

    /// <summary>Buffer size for transfers. Default 256 KiB.</summary>
    public int BufferSize { get; set; } = 256 * 1024;
}
