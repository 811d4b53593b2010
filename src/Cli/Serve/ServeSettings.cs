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

    /// <summary>What the store may prune on its own (<c>--keep</c>, <c>--max-store-bytes</c>, <c>--max-age</c>).</summary>
    public Protocols.Servers.Mail.MailRetention? Retention { get; init; }

    /// <summary>The mail page's own port (<c>--mail-port</c>; 0: any free port).</summary>
    public int MailPort { get; init; }

    /// <summary>Host names the web endpoints answer to besides IP literals and localhost (<c>--allow-host</c>).</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary><c>--exit-after N</c>: stop with exit 0 once N messages have been captured.</summary>
    public int? ExitAfter { get; init; }

    /// <summary><c>--timeout</c> (with <c>--exit-after</c>): stop with exit 1 when the N messages have not arrived by then.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary><c>--relay-to host:port</c>: relay matching messages there after capture (plain SMTP).</summary>
    public string? RelayTo { get; init; }

    /// <summary><c>--relay-match REGEX</c>: the envelope recipients to relay (required with <c>--relay-to</c>).</summary>
    public string? RelayMatch { get; init; }

    /// <summary>The relay target of <c>--relay-to</c>, or null when it is not a <c>host:port</c>.</summary>
    internal Protocols.Servers.Mail.MailRelayTarget? RelayTarget()
    {
        var colon = RelayTo?.LastIndexOf(':') ?? -1;
        if (RelayTo is null || colon < 1) return null;
        var host = RelayTo[..colon].Trim('[', ']');
        return int.TryParse(RelayTo[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 1 and <= 65535 && host.Length > 0 && !host.Any(char.IsWhiteSpace)
            ? new Protocols.Servers.Mail.MailRelayTarget(host, port)
            : null;
    }

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
        if (ExitAfter is < 1) return $"--exit-after must be at least 1: {ExitAfter}";
        if (Timeout is not null && ExitAfter is null) return "--timeout goes with --exit-after";
        if (RelayTo is not null && RelayTarget() is null) return $"--relay-to must be host:port: {RelayTo}";
        if ((RelayTo is null) != (RelayMatch is null)) return "--relay-to and --relay-match go together (--relay-match . relays every message)";
        if (RelayMatch is not null && !IsRegex(RelayMatch)) return $"--relay-match is not a regular expression: {RelayMatch}";
        if (Store is not null && !Protocols.Servers.Mail.MailStores.IsPostgres(Store) && File.Exists(Store))
            return $"--store must be a directory, not a file: {Store}";
        return null;
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The library's options for these settings.</summary>
    public DevStackOptions ToOptions() => new()
    {
        Root = Root, Host = Host, SmtpPort = SmtpPort, FtpPort = FtpPort, HttpPort = HttpPort, Pop3Port = Pop3Port, MailPort = MailPort, AllowedHosts = AllowedHosts, ImapPort = ImapPort,
        Store = Store is null || Protocols.Servers.Mail.MailStores.IsPostgres(Store) ? Store : Path.GetFullPath(Store),
        Retention = Retention ?? Protocols.Servers.Mail.MailRetention.None, Write = Write, Tls = Tls, Pop3TlsPort = Tls ? Pop3TlsPort : null, User = User, Password = Password, MaxSize = MaxSize,
        RelayTo = RelayTarget(), RelayMatch = RelayMatch,
    };
}
