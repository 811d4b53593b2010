using System.Net;
using Protocols.Servers.Hosting;

namespace Protocols.Cli.Serve;

/// <summary>The parsed options of <c>proto serve</c>.</summary>
internal sealed record ServeSettings(
    string Root, string Host, int SmtpPort, int FtpPort, int HttpPort, int Pop3Port, string? Store, bool Write, bool Tls, bool SelfSigned)
{
    /// <summary>The mail page's own port (<c>--mail-port</c>; 0: any free port).</summary>
    public int MailPort { get; init; }

    /// <summary>Host names the web endpoints answer to besides IP literals and localhost (<c>--allow-host</c>).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>A one-line reason the settings cannot work, or null.</summary>
    public string? Validate()
    {
        if (!Directory.Exists(Root)) return $"root directory not found: {Root}";
        if (!IPAddress.TryParse(Host, out _)) return $"--host must be an IP address: {Host}";
        foreach (var (name, port) in new[] { ("--smtp-port", SmtpPort), ("--ftp-port", FtpPort), ("--http-port", HttpPort), ("--pop3-port", Pop3Port), ("--mail-port", MailPort) })
        {
            if (port is < 0 or > 65535) return $"{name} must be 0..65535: {port}";
        }
        var fixedPorts = new[] { SmtpPort, FtpPort, HttpPort, Pop3Port, MailPort }.Where(p => p != 0).ToList();
        if (fixedPorts.Count != fixedPorts.Distinct().Count()) return "two services cannot share a port";
        if (Tls && !SelfSigned) return "--tls needs --self-signed (proto serve makes its certificate on the fly)";
        if (SelfSigned && !Tls) return "--self-signed goes with --tls";
        if (Store is not null && File.Exists(Store)) return $"--store must be a directory, not a file: {Store}";
        return null;
    }

    /// <summary>The library's options for these settings.</summary>
    public DevStackOptions ToOptions() => new()
    {
        Root = Root, Host = Host, SmtpPort = SmtpPort, FtpPort = FtpPort, HttpPort = HttpPort, Pop3Port = Pop3Port, MailPort = MailPort, AllowedHosts = AllowedHosts,
        Store = Store, Write = Write, Tls = Tls,
    };
}
