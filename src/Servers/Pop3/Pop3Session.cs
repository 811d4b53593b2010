using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Pop3;

/// <summary>
/// One POP3 session (RFC 1939, CAPA from RFC 2449, STLS from RFC 2595) over a <see cref="Connection"/>: plain code,
/// driven by a Kestrel handler or, in a test, over <see cref="Connection.CreatePair"/>. Commands are looked up in a
/// table of verb -> states where it is valid -> handler. Deletions happen only at QUIT (the UPDATE state).
/// </summary>
public sealed partial class Pop3Session
{
    internal const string Protocol = "pop3";
    private const int DrainEvery = 64 * 1024;

    private static readonly FrozenDictionary<string, Command> Commands = new Dictionary<string, Command>(StringComparer.Ordinal)
    {
        ["CAPA"] = new(Pop3States.Any, static (s, a, c) => s.CapaAsync(c)),
        ["USER"] = new(Pop3States.Authorization, static (s, a, c) => s.UserAsync(a, c)),
        ["PASS"] = new(Pop3States.Authorization, static (s, a, c) => s.PassAsync(a, c)),
        ["STLS"] = new(Pop3States.Authorization, static (s, a, c) => s.StlsAsync(c)),
        ["QUIT"] = new(Pop3States.Any, static (s, a, c) => s.QuitAsync(c)),
        ["STAT"] = new(Pop3States.Transaction, static (s, a, c) => s.StatAsync(c)),
        ["LIST"] = new(Pop3States.Transaction, static (s, a, c) => s.ListAsync(a, uniqueIds: false, c)),
        ["UIDL"] = new(Pop3States.Transaction, static (s, a, c) => s.ListAsync(a, uniqueIds: true, c)),
        ["RETR"] = new(Pop3States.Transaction, static (s, a, c) => s.RetrAsync(a, c)),
        ["TOP"] = new(Pop3States.Transaction, static (s, a, c) => s.TopAsync(a, c)),
        ["DELE"] = new(Pop3States.Transaction, static (s, a, c) => s.DeleAsync(a, c)),
        ["NOOP"] = new(Pop3States.Transaction, static (s, a, c) => s.ReplyAsync("+OK", c)),
        ["RSET"] = new(Pop3States.Transaction, static (s, a, c) => s.RsetAsync(c)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly Connection _connection;
    private readonly IPop3MailboxProvider _provider;
    private readonly Pop3ServerOptions _options;
    private readonly ProtocolsMetrics? _metrics;
    private readonly ILogger _logger;
    private Pop3States _state = Pop3States.Authorization;
    private string? _user;
    private int _badCommands;
    private IPop3Mailbox? _mailbox;
    private IReadOnlyList<Pop3MessageInfo> _messages = [];
    private bool[] _deleted = [];

    public Pop3Session(Connection connection, IPop3MailboxProvider provider, Pop3ServerOptions? options = null,
        ProtocolsMetrics? metrics = null, ILogger? logger = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _provider = provider ?? throw new ArgumentNullException(nameof(provider));
        _options = options ?? new Pop3ServerOptions();
        if (_options.ImplicitTls && _options.Certificate is null) throw new ArgumentException("implicit TLS needs a certificate", nameof(options));
        _metrics = metrics;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs the session until QUIT, the peer leaves, the idle timeout, or <paramref name="cancellationToken"/>; then closes the connection.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var scope = _metrics?.ConnectionOpened(Protocol);
        var reader = _connection.Reader;
        try
        {
            reader.MaxLineLength = _options.MaxCommandLength;
            reader.ReadTimeout = _options.IdleTimeout;
            await ReplyAsync("+OK " + _options.Greeting, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                ReadOnlySequence<byte>? line;
                try
                {
                    line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (LineTooLongException)
                {
                    await reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
                    if (!await BadAsync("-ERR line too long", "line-too-long", cancellationToken).ConfigureAwait(false)) break;
                    continue;
                }
                if (line is not { } bytes) break;
                if (!await DispatchAsync(bytes, cancellationToken).ConfigureAwait(false)) break;
            }
            await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogIdle(_logger, _connection.RemoteEndPoint);
            await TryReplyAsync("-ERR autologout: idle for too long", cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // The peer left mid-command or broke the protocol: nothing more can be said on this connection.
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> DispatchAsync(ReadOnlySequence<byte> bytes, CancellationToken cancellationToken)
    {
        var line = bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();
        if (!CommandLine.TryParse(line, out var verbBytes, out var argumentBytes))
            return await BadAsync("-ERR syntax error", "syntax", cancellationToken).ConfigureAwait(false);
        var verb = CommandLine.VerbToString(verbBytes);
        var argument = System.Text.Encoding.UTF8.GetString(argumentBytes);
        if (verb != "PASS") _user = null;
        if (!Commands.TryGetValue(verb, out var command))
            return await BadAsync("-ERR unknown command", "unknown-command", cancellationToken).ConfigureAwait(false);
        if ((command.States & _state) == 0)
            return await BadAsync("-ERR command not valid in this state", "out-of-sequence", cancellationToken).ConfigureAwait(false);
        return await command.Run(this, argument, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers a bad command and counts it; false (after a last answer) once the budget is spent.</summary>
    private async ValueTask<bool> BadAsync(string reply, string reason, CancellationToken cancellationToken)
    {
        _metrics?.Rejected(Protocol, reason);
        if (++_badCommands > _options.MaxBadCommands)
        {
            await ReplyAsync("-ERR [SYS/PERM] too many errors, closing", cancellationToken).ConfigureAwait(false);
            return false;
        }
        return await ReplyAsync(reply, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> ReplyAsync(string line, CancellationToken cancellationToken)
    {
        _connection.Writer.WriteLine(line);
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask TryReplyAsync(string line, CancellationToken cancellationToken)
    {
        try
        {
            await ReplyAsync(line, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Best effort on the way out: the peer may be gone already.
        }
    }

    private SslServerAuthenticationOptions TlsOptions() => new() { ServerCertificate = _options.Certificate };

    /// <summary>TLS is up: upgraded with STLS, or put in front of the session by the host (implicit TLS).</summary>
    private bool Secure => _connection.IsTls || _options.ImplicitTls;

    private bool LoginAllowed => Secure || _options.AllowPlaintextLogin;

    private async ValueTask<bool> CapaAsync(CancellationToken cancellationToken)
    {
        var writer = _connection.Writer;
        writer.WriteLine("+OK capability list follows");
        writer.WriteLine("TOP");
        writer.WriteLine("UIDL");
        writer.WriteLine("RESP-CODES");
        writer.WriteLine("AUTH-RESP-CODE");
        writer.WriteLine("PIPELINING");
        if (_state == Pop3States.Authorization && LoginAllowed) writer.WriteLine("USER");
        if (_state == Pop3States.Authorization && _options.Certificate is not null && !Secure) writer.WriteLine("STLS");
        writer.WriteLine("IMPLEMENTATION Protocols");
        writer.WriteLine(".");
        await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private ValueTask<bool> UserAsync(string argument, CancellationToken cancellationToken)
    {
        if (!LoginAllowed) return BadAsync("-ERR [AUTH] plaintext login is disabled: use STLS first", "plaintext-login", cancellationToken);
        if (argument.Length == 0) return BadAsync("-ERR syntax: USER name", "syntax", cancellationToken);
        _user = argument;
        return ReplyAsync("+OK send PASS", cancellationToken);
    }

    private async ValueTask<bool> PassAsync(string argument, CancellationToken cancellationToken)
    {
        if (_user is not { } user) return await BadAsync("-ERR send USER first", "out-of-sequence", cancellationToken).ConfigureAwait(false);
        _user = null;
        var mailbox = await _provider.OpenAsync(user, argument, cancellationToken).ConfigureAwait(false);
        if (mailbox is null)
        {
            LogLoginFailed(_logger, _connection.RemoteEndPoint, user);
            return await BadAsync("-ERR [AUTH] invalid user name or password", "auth", cancellationToken).ConfigureAwait(false);
        }
        _mailbox = mailbox;
        _messages = await mailbox.ListAsync(cancellationToken).ConfigureAwait(false);
        _deleted = new bool[_messages.Count];
        _state = Pop3States.Transaction;
        return await ReplyAsync(FormattableString.Invariant($"+OK maildrop has {_messages.Count} messages ({TotalSize()} octets)"), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> StlsAsync(CancellationToken cancellationToken)
    {
        if (Secure) return await BadAsync("-ERR already under TLS", "out-of-sequence", cancellationToken).ConfigureAwait(false);
        if (_options.Certificate is null) return await BadAsync("-ERR STLS is not available", "unknown-command", cancellationToken).ConfigureAwait(false);
        await ReplyAsync("+OK begin TLS negotiation", cancellationToken).ConfigureAwait(false);
        // Commands the client pipelined behind STLS are dropped, never read as if they came over TLS (RFC 2595 §4).
        await _connection.UpgradeToTlsAsync(TlsOptions(), PlaintextPolicy.Discard, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> QuitAsync(CancellationToken cancellationToken)
    {
        if (_state != Pop3States.Transaction)
        {
            await ReplyAsync("+OK bye", cancellationToken).ConfigureAwait(false);
            return false;
        }
        var doomed = new List<string>();
        for (var i = 0; i < _messages.Count; i++)
        {
            if (_deleted[i]) doomed.Add(_messages[i].UniqueId);
        }
        if (doomed.Count > 0) await _mailbox!.DeleteAsync(doomed, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(FormattableString.Invariant($"+OK bye ({_messages.Count - doomed.Count} messages left)"), cancellationToken).ConfigureAwait(false);
        return false;
    }

    private ValueTask<bool> StatAsync(CancellationToken cancellationToken) =>
        ReplyAsync(FormattableString.Invariant($"+OK {LiveCount()} {TotalSize()}"), cancellationToken);

    private async ValueTask<bool> ListAsync(string argument, bool uniqueIds, CancellationToken cancellationToken)
    {
        if (argument.Length > 0)
        {
            var (index, error) = FindMessage(argument);
            if (error is not null) return await BadAsync(error, "no-such-message", cancellationToken).ConfigureAwait(false);
            return await ReplyAsync(FormattableString.Invariant($"+OK {index + 1} {Describe(index, uniqueIds)}"), cancellationToken).ConfigureAwait(false);
        }
        var writer = _connection.Writer;
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
        if (error is not null) return await BadAsync(error, "no-such-message", cancellationToken).ConfigureAwait(false);
        return await SendMessageAsync(index, bodyLines: null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> TopAsync(string argument, CancellationToken cancellationToken)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !int.TryParse(argument.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var lines))
            return await BadAsync("-ERR syntax: TOP msg lines", "syntax", cancellationToken).ConfigureAwait(false);
        var (index, error) = FindMessage(argument[..space]);
        if (error is not null) return await BadAsync(error, "no-such-message", cancellationToken).ConfigureAwait(false);
        return await SendMessageAsync(index, lines, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> SendMessageAsync(int index, int? bodyLines, CancellationToken cancellationToken)
    {
        var info = _messages[index];
        var stream = await _mailbox!.OpenAsync(info.UniqueId, cancellationToken).ConfigureAwait(false);
        if (stream is null) return await ReplyAsync("-ERR [SYS/TEMP] message has gone from the maildrop", cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var writer = _connection.Writer;
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
        if (error is not null) return await BadAsync(error, "no-such-message", cancellationToken).ConfigureAwait(false);
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
            return (-1, "-ERR syntax: a message number");
        if (number < 1 || number > _messages.Count) return (-1, "-ERR no such message");
        if (_deleted[number - 1]) return (-1, FormattableString.Invariant($"-ERR message {number} already deleted"));
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

    private sealed record Command(Pop3States States, Func<Pop3Session, string, CancellationToken, ValueTask<bool>> Run);

    [Flags]
    private enum Pop3States
    {
        Authorization = 1,
        Transaction = 2,
        Any = Authorization | Transaction,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "POP3 login failed for {User} from {Remote}")]
    private static partial void LogLoginFailed(ILogger logger, System.Net.EndPoint? remote, string user);

    [LoggerMessage(Level = LogLevel.Debug, Message = "POP3 session from {Remote} idle for too long")]
    private static partial void LogIdle(ILogger logger, System.Net.EndPoint? remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "POP3 session from {Remote} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, System.Net.EndPoint? remote, string reason);
}
