using System.Buffers;
using System.Globalization;
using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Pop3;

/// <summary>
/// One POP3 session (RFC 1939, CAPA from RFC 2449, STLS from RFC 2595) over a <see cref="Connection"/>, on the
/// line-protocol kernel: driven by a Kestrel handler or, in a test, over <see cref="Connection.CreatePair"/>. Commands
/// are a verb table (verb -> states -> handler); refusals go through one reject table. Deletions happen only at QUIT
/// (the UPDATE state).
/// </summary>
public sealed partial class Pop3Session : LineSession<Pop3Session, Pop3State>
{
    internal const string Protocol = "pop3";
    private const int DrainEvery = 64 * 1024;

    private static readonly VerbTable<Pop3Session, Pop3State> Verbs = new VerbTable<Pop3Session, Pop3State>()
        .Add("CAPA", Pop3State.Any, static (s, c, t) => s.CapaAsync(t))
        .Add("USER", Pop3State.Authorization, static (s, c, t) => s.UserAsync(c.Argument, t))
        .Add("PASS", Pop3State.Authorization, static (s, c, t) => s.PassAsync(c.Argument, t), flags: VerbFlags.Secret)
        .Add("STLS", Pop3State.Authorization, static (s, c, t) => s.StlsAsync(t))
        .Add("QUIT", Pop3State.Any, static (s, c, t) => s.QuitAsync(t))
        .Add("STAT", Pop3State.Transaction, static (s, c, t) => s.StatAsync(t))
        .Add("LIST", Pop3State.Transaction, static (s, c, t) => s.ListAsync(c.Argument, uniqueIds: false, t))
        .Add("UIDL", Pop3State.Transaction, static (s, c, t) => s.ListAsync(c.Argument, uniqueIds: true, t))
        .Add("RETR", Pop3State.Transaction, static (s, c, t) => s.RetrAsync(c.Argument, t))
        .Add("TOP", Pop3State.Transaction, static (s, c, t) => s.TopAsync(c.Argument, t))
        .Add("DELE", Pop3State.Transaction, static (s, c, t) => s.DeleAsync(c.Argument, t))
        .Add("NOOP", Pop3State.Transaction, static (s, c, t) => s.ReplyAsync("+OK", t), flags: VerbFlags.NoopLike)
        .Add("RSET", Pop3State.Transaction, static (s, c, t) => s.RsetAsync(t));

    private readonly IPop3MailboxProvider _provider;
    private readonly Pop3ServerOptions _options;
    private readonly ProtocolsMetrics? _metrics;
    private string? _user;
    private IPop3Mailbox? _mailbox;
    private IReadOnlyList<Pop3MessageInfo> _messages = [];
    private bool[] _deleted = [];

    public Pop3Session(Connection connection, IPop3MailboxProvider provider, Pop3ServerOptions? options = null,
        ProtocolsMetrics? metrics = null, ILogger? logger = null)
        : base(connection, Verbs, new CrlfFraming((options ?? DefaultOptions).MaxCommandLength), (options ?? DefaultOptions).ToSessionLimits(),
            new LineServices(Protocol, logger, metrics, (options ?? DefaultOptions).Faults, (options ?? DefaultOptions).AuthThrottle), Pop3State.Authorization)
    {
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _options = options ?? new Pop3ServerOptions();
        if (_options.ImplicitTls && _options.Certificate is null) throw new ArgumentException("implicit TLS needs a certificate", nameof(options));
        _metrics = metrics;
    }

    private static Pop3ServerOptions DefaultOptions { get; } = new();

    protected override ValueTask<bool> GreetAsync(CancellationToken cancellationToken) => ReplyAsync("+OK " + _options.Greeting, cancellationToken);

    /// <summary>The verb is 1-16 letters or digits, then a space or the end (anything else is a syntax error); any
    /// command but PASS forgets a USER given before it.</summary>
    protected override bool SplitCommand(ReadOnlySpan<byte> line, out Range verb, out Range argument)
    {
        verb = default;
        argument = default;
        var ok = CommandLine.TryParse(line, out var verbBytes, out _);
        if (!ok || !CommandLine.VerbIs(verbBytes, "PASS"u8)) _user = null;
        if (!ok) return false;
        verb = ..verbBytes.Length;
        argument = verbBytes.Length < line.Length ? (verbBytes.Length + 1).. : new Range(line.Length, line.Length);
        return true;
    }

    protected override void Refuse(LineReject reason)
    {
        if (reason == LineReject.ProtocolError)
        {
            Closing = true; // a client that breaks the framing gets no answer
            return;
        }
        Write(Pop3Rejects.Table[reason]);
    }

    protected override void WriteFault(in VerbFault fault) =>
        Connection.Writer.WriteLine((fault.Code is >= 200 and < 400 ? "+OK " : "-ERR ") + (fault.Text ?? "scripted failure"));

    private void Write(Pop3Reject reason, string? text = null) => Write(Pop3Rejects.Table[reason], text);

    private void Write(LineReject reason, string? text = null) => Write(Pop3Rejects.Table[reason], text);

    private void Write(RejectEntry entry, string? text = null)
    {
        CountRejected(entry);
        Connection.Writer.WriteLine("-ERR " + (text ?? entry.Text));
        if (entry.Closes) Closing = true;
    }

    /// <summary>Answers a bad command and counts it; once the budget is spent, the closing reply instead. Always false (refused).</summary>
    private ValueTask<bool> BadAsync(Pop3Reject reason, CancellationToken cancellationToken, string? text = null) =>
        BadAsync(Pop3Rejects.Table[reason], cancellationToken, text);

    private ValueTask<bool> BadAsync(LineReject reason, CancellationToken cancellationToken, string? text = null) =>
        BadAsync(Pop3Rejects.Table[reason], cancellationToken, text);

    private async ValueTask<bool> BadAsync(RejectEntry entry, CancellationToken cancellationToken, string? text)
    {
        if (CountBadCommand()) Write(LineReject.TooManyErrors);
        else Write(entry, text);
        await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async ValueTask<bool> ReplyAsync(string line, CancellationToken cancellationToken)
    {
        Connection.Writer.WriteLine(line);
        await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    protected override async ValueTask OnEndedAsync() => await Connection.DisposeAsync().ConfigureAwait(false);

    private SslServerAuthenticationOptions TlsOptions() => new() { ServerCertificate = _options.Certificate };

    /// <summary>TLS is up: upgraded with STLS, or put in front of the session by the host (implicit TLS).</summary>
    private bool Secure => Connection.IsTls || _options.ImplicitTls;

    private bool LoginAllowed => Secure || _options.AllowPlaintextLogin;

    private async ValueTask<bool> CapaAsync(CancellationToken cancellationToken)
    {
        var writer = Connection.Writer;
        writer.WriteLine("+OK capability list follows");
        writer.WriteLine("TOP");
        writer.WriteLine("UIDL");
        writer.WriteLine("RESP-CODES");
        writer.WriteLine("AUTH-RESP-CODE");
        writer.WriteLine("PIPELINING");
        if (State == Pop3State.Authorization && LoginAllowed) writer.WriteLine("USER");
        if (State == Pop3State.Authorization && _options.Certificate is not null && !Secure) writer.WriteLine("STLS");
        writer.WriteLine("IMPLEMENTATION Protocols");
        writer.WriteLine(".");
        await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private ValueTask<bool> UserAsync(string argument, CancellationToken cancellationToken)
    {
        if (!LoginAllowed) return BadAsync(Pop3Reject.PlaintextLoginDisabled, cancellationToken);
        if (argument.Length == 0) return BadAsync(LineReject.SyntaxError, cancellationToken, "syntax: USER name");
        _user = argument;
        return ReplyAsync("+OK send PASS", cancellationToken);
    }

    private async ValueTask<bool> PassAsync(string argument, CancellationToken cancellationToken)
    {
        if (_user is not { } user) return await BadAsync(LineReject.BadSequence, cancellationToken, "send USER first").ConfigureAwait(false);
        _user = null;
        var mailbox = await _provider.OpenAsync(user, argument, cancellationToken).ConfigureAwait(false);
        if (mailbox is null)
        {
            LogLoginFailed(Logger, RemoteEndPoint, user);
            // Counted for the address across connections; the answer waits a growing delay.
            var spent = await AuthFailedAsync(cancellationToken).ConfigureAwait(false);
            return await BadAsync(spent ? Pop3Rejects.Table[LineReject.TooManyAuthFailures] : Pop3Rejects.Table[Pop3Reject.AuthenticationFailed], cancellationToken, null).ConfigureAwait(false);
        }
        AuthSucceeded();
        _mailbox = mailbox;
        _messages = await mailbox.ListAsync(cancellationToken).ConfigureAwait(false);
        _deleted = new bool[_messages.Count];
        State = Pop3State.Transaction;
        return await ReplyAsync(FormattableString.Invariant($"+OK maildrop has {_messages.Count} messages ({TotalSize()} octets)"), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> StlsAsync(CancellationToken cancellationToken)
    {
        if (Secure) return await BadAsync(LineReject.BadSequence, cancellationToken, "already under TLS").ConfigureAwait(false);
        if (_options.Certificate is null) return await BadAsync(Pop3Reject.NotAvailable, cancellationToken, "STLS is not available").ConfigureAwait(false);
        // Commands the client pipelined behind STLS are dropped, never read as if they came over TLS (RFC 2595 §4).
        return await UpgradeToTlsAsync(TlsOptions(), "+OK begin TLS negotiation\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> QuitAsync(CancellationToken cancellationToken)
    {
        Closing = true;
        if (State != Pop3State.Transaction) return await ReplyAsync("+OK bye", cancellationToken).ConfigureAwait(false);
        var doomed = new List<string>();
        for (var i = 0; i < _messages.Count; i++)
        {
            if (_deleted[i]) doomed.Add(_messages[i].UniqueId);
        }
        if (doomed.Count > 0) await _mailbox!.DeleteAsync(doomed, cancellationToken).ConfigureAwait(false);
        return await ReplyAsync(FormattableString.Invariant($"+OK bye ({_messages.Count - doomed.Count} messages left)"), cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> StatAsync(CancellationToken cancellationToken) =>
        ReplyAsync(FormattableString.Invariant($"+OK {LiveCount()} {TotalSize()}"), cancellationToken);

    private async ValueTask<bool> ListAsync(string argument, bool uniqueIds, CancellationToken cancellationToken)
    {
        if (argument.Length > 0)
        {
            var (index, error) = FindMessage(argument);
            if (error is not null) return await BadAsync(Pop3Reject.NoSuchMessage, cancellationToken, error).ConfigureAwait(false);
            return await ReplyAsync(FormattableString.Invariant($"+OK {index + 1} {Describe(index, uniqueIds)}"), cancellationToken).ConfigureAwait(false);
        }
        var writer = Connection.Writer;
        writer.WriteLine(uniqueIds ? "+OK unique ids follow" : FormattableString.Invariant($"+OK {LiveCount()} messages ({TotalSize()} octets)"));
        for (var i = 0; i < _messages.Count; i++)
        {
            if (!_deleted[i]) writer.WriteLine(FormattableString.Invariant($"{i + 1} {Describe(i, uniqueIds)}"));
        }
        writer.WriteLine(".");
        await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private string Describe(int index, bool uniqueId) =>
        uniqueId ? _messages[index].UniqueId : _messages[index].Size.ToString(CultureInfo.InvariantCulture);

    private async ValueTask<bool> RetrAsync(string argument, CancellationToken cancellationToken)
    {
        var (index, error) = FindMessage(argument);
        if (error is not null) return await BadAsync(Pop3Reject.NoSuchMessage, cancellationToken, error).ConfigureAwait(false);
        return await SendMessageAsync(index, bodyLines: null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> TopAsync(string argument, CancellationToken cancellationToken)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !int.TryParse(argument.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var lines))
            return await BadAsync(LineReject.SyntaxError, cancellationToken, "syntax: TOP msg lines").ConfigureAwait(false);
        var (index, error) = FindMessage(argument[..space]);
        if (error is not null) return await BadAsync(Pop3Reject.NoSuchMessage, cancellationToken, error).ConfigureAwait(false);
        return await SendMessageAsync(index, lines, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> SendMessageAsync(int index, int? bodyLines, CancellationToken cancellationToken)
    {
        var info = _messages[index];
        var stream = await _mailbox!.OpenAsync(info.UniqueId, cancellationToken).ConfigureAwait(false);
        if (stream is null) return await ReplyAsync("-ERR [SYS/TEMP] message has gone from the maildrop", cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var writer = Connection.Writer;
            writer.WriteLine(bodyLines is null ? FormattableString.Invariant($"+OK {info.Size} octets") : "+OK top of message follows");
            var stuffing = new DotStuffingWriter(writer.Buffer);
            var cut = bodyLines is { } n ? new TopCut(n) : (TopCut?)null;
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            long sent = 0;
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    var chunk = buffer.AsSpan(0, read);
                    if (cut is { } c)
                    {
                        chunk = chunk[..c.Take(chunk)];
                        cut = c;
                    }
                    stuffing.Write(chunk);
                    sent += chunk.Length;
                    if (writer.UnflushedBytes >= DrainEvery) await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                    if (cut is { Done: true }) break;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            stuffing.Complete();
            await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (bodyLines is null) _metrics?.MessageTransferred(Protocol, sent);
            else _metrics?.BytesTransferred(Protocol, sent);
        }
        return true;
    }

    private async ValueTask<bool> DeleAsync(string argument, CancellationToken cancellationToken)
    {
        var (index, error) = FindMessage(argument);
        if (error is not null) return await BadAsync(Pop3Reject.NoSuchMessage, cancellationToken, error).ConfigureAwait(false);
        _deleted[index] = true;
        return await ReplyAsync(FormattableString.Invariant($"+OK message {index + 1} deleted"), cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> RsetAsync(CancellationToken cancellationToken)
    {
        Array.Clear(_deleted);
        return ReplyAsync(FormattableString.Invariant($"+OK maildrop has {_messages.Count} messages ({TotalSize()} octets)"), cancellationToken);
    }

    /// <summary>Resolves a message-number argument: a decimal number of a message that exists and is not marked deleted.</summary>
    private (int Index, string? Error) FindMessage(string argument)
    {
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return (-1, "syntax: a message number");
        if (number < 1 || number > _messages.Count) return (-1, "no such message");
        if (_deleted[number - 1]) return (-1, FormattableString.Invariant($"message {number} already deleted"));
        return (number - 1, null);
    }

    private int LiveCount() => _deleted.Count(d => !d);

    private long TotalSize()
    {
        long total = 0;
        for (var i = 0; i < _messages.Count; i++)
        {
            if (!_deleted[i]) total += _messages[i].Size;
        }
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "POP3 login failed for {User} from {Remote}")]
    private static partial void LogLoginFailed(ILogger logger, System.Net.EndPoint? remote, string user);
}

/// <summary>POP3 session states (RFC 1939 §3).</summary>
[Flags]
public enum Pop3State
{
    Authorization = 1,
    Transaction = 2,
    Any = Authorization | Transaction,
}
