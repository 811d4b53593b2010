using Protocols.Servers.Ftp;

namespace Protocols.Servers.Testing;

/// <summary>How an <see cref="FtpTestServer"/> starts: its tree, users, TLS and scripted faults.</summary>
public sealed class FtpTestServerOptions
{
    /// <summary>Serve this directory; null (the default) serves an in-memory tree.</summary>
    public string? RootDirectory { get; set; }

    /// <summary>Named users: name -> (password, may write). Default: <c>user</c>/<c>pass</c> with write access.</summary>
    public Dictionary<string, (string Password, bool CanWrite)> Users { get; } = new() { ["user"] = ("pass", true) };

    /// <summary>Accept anonymous logins (read-only unless <see cref="AnonymousCanWrite"/>). On by default.</summary>
    public bool Anonymous { get; set; } = true;

    public bool AnonymousCanWrite { get; set; }

    /// <summary>Offer AUTH TLS with a self-signed certificate (and open an implicit FTPS port too).</summary>
    public bool Tls { get; set; }

    /// <summary>Lets a test change limits and timeouts before the start.</summary>
    public Action<FtpServerOptions>? Configure { get; set; }

    /// <summary>Scripted faults (the kernel's rules for any verb: reply, delay, drop; cut downloads after N bytes); also <see cref="FtpTestServer.Faults"/>.</summary>
    public FtpFaults Faults { get; } = new();
}
