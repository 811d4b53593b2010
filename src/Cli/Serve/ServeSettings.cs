using System.Net;
using Protocols.Cli.Common;
using Protocols.Servers.Hosting;

namespace Protocols.Cli.Serve;

/// <summary>The parsed options of <c>proto serve</c>.</summary>
internal sealed record ServeSettings(
    string Root, string Host, int SmtpPort, int FtpPort, int HttpPort, int Pop3Port, string? Store, bool Write, bool Tls,
    int Pop3TlsPort = 1995, string? User = null, string? Password = null, long? MaxSize = null)
{
    /// <summary>IMAP port (IMAPS with --tls); 1143 unless --imap-port says otherwise.</summary>
    public int ImapPort { get; init; } = 1143;

    /// <summary>The mail page's own port (<c>--mail-port</c>; 0: any free port).</summary>
    public int MailPort { get; init; }

    /// <summary>Host names the web endpoints answer to besides IP literals and localhost (<c>--allow-host</c>).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>A one-line reason the settings cannot work, or null.</summary>
    public string? Validate()
    {
        if (!Directory.Exists(Root)) return $"root directory not found: {Root}";
        if (!IPAddress.TryParse(Host, out _)) return $"--host must be an IP address: {Host}";
        foreach (var (name, port) in new[] { ("--smtp-port", SmtpPort), ("--ftp-port", FtpPort), ("--http-port", HttpPort), ("--pop3-port", Pop3Port), ("--pop3s-port", Pop3TlsPort), ("--mail-port", MailPort), ("--imap-port", ImapPort) })
        {
            if (port is < 0 or > 65535) return $"{name} must be 0..65535: {port}";
        }
        var fixedPorts = new[] { SmtpPort, FtpPort, HttpPort, Pop3Port, MailPort, ImapPort }.Concat(Tls ? [Pop3TlsPort] : []).Where(p => p != 0).ToList();
        if (fixedPorts.Count != fixedPorts.Distinct().Count()) return "two services cannot share a port";
        if (ServerOptions.Check(Host, 0, User, Password, null, null) is { } problem) return problem;
        if (MaxSize is < 1) return "--max-size must be at least 1";
        if (Store is not null && File.Exists(Store)) return $"--store must be a directory, not a file: {Store}";
        return null;
    }

    /// <summary>The library's options for these settings.</summary>
    public DevStackOptions ToOptions() => new()
    {
        Root = Root, Host = Host, SmtpPort = SmtpPort, FtpPort = FtpPort, HttpPort = HttpPort, Pop3Port = Pop3Port, MailPort = MailPort, AllowedHosts = AllowedHosts, ImapPort = ImapPort,
        Store = Store, Write = Write, Tls = Tls, Pop3TlsPort = Tls ? Pop3TlsPort : null, User = User, Password = Password, MaxSize = MaxSize,
    };
}
