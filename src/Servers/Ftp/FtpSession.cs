using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Lines;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Ftp;

/// <summary>
/// One FTP control connection on the line-protocol kernel: the kernel reads each command within its deadline and
/// dispatches it through the verb table (states, argument rules, budgets); transfers run beside the loop on data
/// connections and post their final reply. Plain code over a <see cref="Connection"/>: Kestrel, a socket or an
/// in-memory pair.
/// </summary>
public sealed partial class FtpSession : LineSession<FtpSession, FtpState>
{
    internal const string Protocol = "ftp";

    private readonly FtpServerState _server;
    private readonly FtpServerOptions _options;
    private readonly bool _implicitTls;
    private readonly IPAddress _localAddress;
    private readonly IPAddress _remoteAddress;
    private readonly ConnectionOptions _dataOptions;
    private readonly byte[] _verb = new byte[CommandLine.MaxVerbLength];
    private int _verbLength;
    private bool _unparsable;
    private bool _badEncoding;

    private string? _pendingUser;
    private FtpUser? _user;
    private string _cwd = "/";

    /// <summary>
    /// Creates a session; the data-channel address checks use the connection's end points. <paramref name="implicitTls"/>:
    /// the host put TLS in front of the connection (implicit FTPS), so the control channel counts as protected.
    /// <paramref name="metrics"/>: where the session counts itself and its refusals (<see cref="ProtocolsMetrics.Shared"/> by default).
    /// </summary>
    public FtpSession(Connection connection, FtpServerState state, ILogger? logger = null, bool implicitTls = false, ProtocolsMetrics? metrics = null)
        : base(connection, Verbs, new CrlfFraming((state ?? throw new ArgumentNullException(nameof(state))).Options.MaxCommandLength, acceptBareLf: true),
            state.Options.ToSessionLimits(), new LineServices(Protocol, logger, metrics, state.Options.Faults, state.AuthThrottle), FtpState.Connected)
    {
        _server = state;
        _options = state.Options;
        _implicitTls = implicitTls;
        _protectData = implicitTls;
        _localAddress = FtpDataChannel.Normalize((connection.LocalEndPoint as IPEndPoint)?.Address ?? IPAddress.Loopback);
        _remoteAddress = FtpDataChannel.Normalize((connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.Loopback);
        _dataOptions = new ConnectionOptions
        {
            ReceiveBufferSize = TransferBufferSize,
            ConnectTimeout = _options.DataConnectTimeout,
            TlsHandshakeTimeout = _options.DataConnectTimeout,
            ReadTimeout = _options.DataIdleTimeout,
            WriteTimeout = _options.DataIdleTimeout,
        };
    }

    /// <summary>The control channel is under TLS: upgraded with AUTH TLS, or put in front by the host (implicit FTPS).</summary>
    private bool Secure => Connection.IsTls || _implicitTls;

    protected override async ValueTask<bool> GreetAsync(CancellationToken cancellationToken)
    {
        await ReplyAsync(220, _options.Banner).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Drops the Telnet IP/DM (IAC 0xF4, IAC 0xF2, a lone 0xF2) that clients send before ABOR (RFC 959 §4.1.3), then
    /// the verb (1-16 letters or digits), a space, the argument. A line that is no command is "unrecognized" (500); an
    /// argument that is not UTF-8 is answered 501 by the verb's handler.
    /// </summary>
    protected override bool SplitCommand(ReadOnlySpan<byte> line, out Range verb, out Range argument)
    {
        var start = 0;
        while (start < line.Length)
        {
            var first = line[start];
            if (first == 0xFF && line.Length - start >= 2) start += 2;
            else if (first is 0xF2 or 0xF4 or 0xFF) start++;
            else break;
        }
        var rest = line[start..];
        _unparsable = !CommandLine.TryParse(rest, out var verbBytes, out var argumentBytes);
        if (_unparsable)
        {
            verb = start..;
            argument = new Range(line.Length, line.Length);
            return true;
        }
        verbBytes.CopyTo(_verb);
        _verbLength = verbBytes.Length;
        _badEncoding = !System.Text.Unicode.Utf8.IsValid(argumentBytes);
        verb = start..(start + verbBytes.Length);
        argument = verbBytes.Length < rest.Length ? (start + verbBytes.Length + 1).. : new Range(line.Length, line.Length);
        return true;
    }

    protected override void Refuse(LineReject reason)
    {
        if (reason == LineReject.UnknownCommand)
        {
            if (_unparsable) Write(Rejects[FtpReject.Unrecognized]);
            else Write(Rejects[reason], $"Unknown command {CommandLine.VerbToString(_verb.AsSpan(0, _verbLength))}.");
            return;
        }
        Write(Rejects[reason]);
    }

    protected override void WriteFault(in VerbFault fault)
    {
        WritePosted();
        Connection.Writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fault.Code} {fault.Text ?? "Scripted failure."}"));
        if (fault.Code == 421) Closing = true;
    }

    /// <summary>Writes a reject-table reply (counted in the metrics and the log); a closing one ends the session after it.</summary>
    private void Write(RejectEntry entry, string? text = null)
    {
        CountRejected(entry);
        WritePosted();
        Connection.Writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entry.Code} {text ?? entry.Text}"));
        if (entry.Closes) Closing = true;
    }

    /// <summary>Sends a reject-table reply now (a handler's refusal; not a bad command).</summary>
    private async Task RejectAsync(FtpReject reason, string? text = null)
    {
        Write(Rejects[reason], text);
        await Connection.Writer.DrainAsync().ConfigureAwait(false);
    }

    /// <summary>Sends a one-line reply.</summary>
    internal Task ReplyAsync(int code, string text) => ReplyAsync(code, [text]);

    /// <summary>
    /// Sends a reply now, after any reply a finished transfer posted; several lines become <c>ddd-first</c>, the
    /// middle lines as given (each starting with a space, as RFC 2389 FEAT lines do), and <c>ddd last</c>.
    /// </summary>
    internal async Task ReplyAsync(int code, IReadOnlyList<string> lines)
    {
        WritePosted();
        var writer = Connection.Writer;
        var codeText = code.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i].Replace('\r', ' ').Replace('\n', ' ');
            if (i == 0 && lines.Count > 1) writer.WriteLine($"{codeText}-{text}");
            else if (i == lines.Count - 1) writer.WriteLine($"{codeText} {text}");
            else writer.WriteLine(text.StartsWith(' ') ? text : " " + text);
        }
        await writer.DrainAsync().ConfigureAwait(false);
    }

    /// <summary>A reply as bytes, for a transfer to post (<see cref="LineSession{TSession, TState}.StartBeside"/>).</summary>
    private static byte[] Line(int code, string text) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{code} {text.Replace('\r', ' ').Replace('\n', ' ')}\r\n"));

    protected override async ValueTask OnEndedAsync()
    {
        await AbortTransferAsync().ConfigureAwait(false);
        if (_dataChannel is not null) await _dataChannel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Quotes a path for a 257 reply: inner double quotes are doubled (RFC 959 Appendix II).</summary>
    private static string Quote(string path) => "\"" + path.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private IFtpFileSystem Tree => _user!.FileSystem;

    /// <summary>Resolves a path argument, or replies 550 (553 for names to create) and returns null.</summary>
    private async Task<string?> ResolveAsync(string argument, bool forCreate = false)
    {
        if (FtpPathResolver.TryResolve(_cwd, argument, out var path, out var error)) return path;
        await ReplyAsync(forCreate ? 553 : 550, error switch
        {
            FtpPathError.AboveRoot => "Path outside the root.",
            FtpPathError.TooLong => "Path too long.",
            _ => "File name not allowed.",
        }).ConfigureAwait(false);
        return null;
    }
}
