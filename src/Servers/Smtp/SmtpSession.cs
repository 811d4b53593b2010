using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Servers.Smtp;

/// <summary>
/// One SMTP session over a <see cref="Connection"/>: plain code, no Kestrel, so a test can drive it over
/// <see cref="Connection.CreatePair"/>. Commands are sequenced by <see cref="SmtpStateTable"/>; every refusal goes
/// through <see cref="SmtpRejectReasons"/>.
/// </summary>
public sealed partial class SmtpSession : ISmtpSessionInfo, IAsyncDisposable
{
    private static long s_sessionCounter;

    private readonly Connection _connection;
    private readonly bool _implicitTls;
    private readonly SmtpServerOptions _options;
    private readonly SmtpServerLimits _limits;
    private readonly ILogger _logger;
    private readonly bool _trace;
    private readonly MessageBuffer _buffer = new();
    private readonly DotReaderOptions _dataOptions = new();
    private readonly int[] _verbUses = new int[Enum.GetValues<SmtpVerb>().Length];

    private SmtpState _state = SmtpState.Connected;
    private bool _closing;
    private int _badCommands;
    private int _authFailures;

    // The current transaction.
    private string? _from;
    private Dictionary<string, string?>? _mailParameters;
    private readonly List<SmtpRecipient> _recipients = [];

    /// <param name="connection">The connection; the session owns it from now on.</param>
    /// <param name="options">Server options (shared by sessions).</param>
    /// <param name="implicitTls">True when the transport below the connection is already TLS (an SMTPS endpoint
    /// whose TLS the host terminated).</param>
    public SmtpSession(Connection connection, SmtpServerOptions options, bool implicitTls = false)
    {
        _implicitTls = implicitTls;
        _connection = connection;
        _options = options;
        _limits = options.Limits;
        _logger = options.LoggerFactory?.CreateLogger<SmtpSession>() ?? NullLogger<SmtpSession>.Instance;
        _trace = _logger.IsEnabled(LogLevel.Trace);
        SessionId = Interlocked.Increment(ref s_sessionCounter).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string SessionId { get; }
    public EndPoint? RemoteEndPoint => _connection.RemoteEndPoint;
    public EndPoint? LocalEndPoint => _connection.LocalEndPoint;
    public string? HeloName { get; private set; }
    public bool IsTls => _implicitTls || _connection.IsTls;
    public string? AuthenticatedUser { get; private set; }

    /// <summary>Messages accepted in this session.</summary>
    public int MessageCount { get; private set; }

    private bool UseEnhanced => _options.Offers(SmtpExtensions.EnhancedStatusCodes);

    /// <summary>Runs the session to its end: QUIT, the client leaving, a 421, or <paramref name="cancellationToken"/>
    /// (server shutdown: 421 then close). Never throws for anything the client does.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var reader = _connection.Reader;
        reader.AcceptBareLf = true; // commands only; DATA has its own strict end-marker rule
        reader.ReadTimeout = _limits.CommandTimeout;
        try
        {
            var refusal = await _options.Handler.OnConnectAsync(this, cancellationToken).ConfigureAwait(false);
            if (refusal is { IsPositive: false })
            {
                Reply(refusal);
                _closing = true;
                return;
            }
            Reply(220, null, $"{_options.ServerName} {_options.GreetingText}");
            await CommandLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log("timeout");
            Reject(SmtpRejectReason.Timeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Reject(SmtpRejectReason.ShuttingDown);
        }
        catch (ConnectionClosedException)
        {
            _closing = true; // the client left mid-way; nothing to answer
            _connection.Abort();
            return;
        }
        catch (IncompleteReadException)
        {
            _closing = true; // the client left mid-command or mid-data
            return;
        }
        catch (ProtocolException e)
        {
            Log("protocol error: {0}", e.Message);
            Reject(SmtpRejectReason.SyntaxError);
        }
        catch (IOException e)
        {
            Log("i/o error: {0}", e.Message);
            _connection.Abort();
            return;
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
        }
    }

    private async Task FinishAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _connection.Writer.DrainAsync(cts.Token).ConfigureAwait(false);
            await _connection.CloseAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _connection.Abort();
        }
    }

    private async Task CommandLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _connection.Reader;
        var maxLine = _limits.MaxCommandLineLength + _limits.ParameterAllowance;
        while (!_closing)
        {
            if (reader.BufferedLength == 0) await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte>? read;
            try
            {
                read = await reader.ReadLineAsync(maxLine, cancellationToken).ConfigureAwait(false);
            }
            catch (LineTooLongException)
            {
                await reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
                Bad(SmtpRejectReason.LineTooLong);
                continue;
            }
            if (read is not { } line) return; // the client closed between commands
            await HandleLineAsync(line, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask HandleLineAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        var length = (int)line.Length;
        byte[]? rented = null;
        var span = line.IsSingleSegment ? line.FirstSpan : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        if (rented is not null) line.CopyTo(rented);
        SmtpVerb verb;
        string argument;
        string verbText;
        try
        {
            var space = span.IndexOf((byte)' ');
            var verbSpan = space < 0 ? span : span[..space];
            verb = SmtpStateTable.Parse(verbSpan);
            verbText = verb == SmtpVerb.Unknown ? "" : verb.ToString().ToUpperInvariant();
            var arg = space < 0 ? ReadOnlySpan<byte>.Empty : span[(space + 1)..];
            argument = arg.IsEmpty ? "" : DecodeArgument(arg);
            if (_trace) Trace("C: {0}", verb == SmtpVerb.Auth ? RedactAuth(argument) : Encoding.UTF8.GetString(span));
            if (verb == SmtpVerb.Unknown && _options.Faults is not null) verbText = Encoding.ASCII.GetString(verbSpan).ToUpperInvariant();
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }

        if (length > _limits.MaxCommandLineLength - 2 && verb is not (SmtpVerb.Mail or SmtpVerb.Rcpt))
        {
            Bad(SmtpRejectReason.LineTooLong);
            return;
        }

        var uses = ++_verbUses[(int)verb];
        var disconnectAfter = false;
        if (_options.Faults is { } faults)
        {
            var fault = faults.OnCommand(verbText, uses);
            if (fault.Delay > TimeSpan.Zero) await Task.Delay(fault.Delay, cancellationToken).ConfigureAwait(false);
            switch (fault.Action)
            {
                case SmtpFaultAction.Reply:
                    if (verb == SmtpVerb.Bdat) await SkipChunkAsync(argument, cancellationToken).ConfigureAwait(false);
                    Reply(fault.Response!);
                    if (fault.Response!.Code == 421) _closing = true;
                    return;
                case SmtpFaultAction.Disconnect:
                    _closing = true;
                    _connection.Abort();
                    return;
                case SmtpFaultAction.DisconnectAfter:
                    disconnectAfter = true;
                    break;
            }
        }

        if (verb == SmtpVerb.Unknown)
        {
            Bad(SmtpRejectReason.UnknownCommand);
            return;
        }
        if (SmtpStateTable.IsRepeatBudgeted(verb) && uses > _limits.MaxCommandRepeats)
        {
            Reject(SmtpRejectReason.TooManyRepeats);
            return;
        }
        if ((SmtpStateTable.AllowedIn(verb) & _state) == 0)
        {
            if (verb == SmtpVerb.Bdat) await SkipChunkAsync(argument, cancellationToken).ConfigureAwait(false);
            Bad(SmtpRejectReason.BadSequence);
            return;
        }

        switch (verb)
        {
            case SmtpVerb.Ehlo: Hello(argument, extended: true); break;
            case SmtpVerb.Helo: Hello(argument, extended: false); break;
            case SmtpVerb.Mail: await MailAsync(argument, cancellationToken).ConfigureAwait(false); break;
            case SmtpVerb.Rcpt: await RecipientAsync(argument, cancellationToken).ConfigureAwait(false); break;
            case SmtpVerb.Data: await DataAsync(argument, cancellationToken).ConfigureAwait(false); break;
            case SmtpVerb.Bdat: await BdatAsync(argument, cancellationToken).ConfigureAwait(false); break;
            case SmtpVerb.Rset:
                ResetTransaction();
                Reply(250, "2.0.0", "Ok");
                break;
            case SmtpVerb.Noop: Reply(250, "2.0.0", "Ok"); break;
            case SmtpVerb.Quit:
                Reply(221, "2.0.0", "Bye");
                _closing = true;
                break;
            case SmtpVerb.Vrfy:
                if (argument.Length == 0) Bad(SmtpRejectReason.SyntaxError);
                else Reply(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery");
                break;
            case SmtpVerb.Expn: Bad(SmtpRejectReason.CommandNotImplemented); break;
            case SmtpVerb.Help: Reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH"); break;
            case SmtpVerb.StartTls: await StartTlsAsync(argument, cancellationToken).ConfigureAwait(false); break;
            case SmtpVerb.Auth: await AuthAsync(argument, cancellationToken).ConfigureAwait(false); break;
        }
        if (disconnectAfter)
        {
            await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            _closing = true;
            _connection.Abort();
        }
    }

    private static string DecodeArgument(ReadOnlySpan<byte> arg)
    {
        // Commands are ASCII, except addresses under SMTPUTF8 (RFC 6531): decode as UTF-8; invalid bytes become
        // U+FFFD and fail address validation.
        return Encoding.UTF8.GetString(arg.TrimEnd((byte)' '));
    }

    private void Hello(string argument, bool extended)
    {
        var name = argument.Trim();
        if (name.Length == 0 || name.Contains(' ', StringComparison.Ordinal) && !extended)
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        ResetTransaction();
        HeloName = name;
        _state = SmtpState.Ready;
        if (!extended)
        {
            Reply(250, null, _options.ServerName);
            return;
        }
        var lines = new List<string>(12) { $"{_options.ServerName} Hello {name}" };
        if (_options.Offers(SmtpExtensions.Pipelining)) lines.Add("PIPELINING");
        if (_options.Offers(SmtpExtensions.Size))
            lines.Add(_limits.MaxMessageSize > 0 ? $"SIZE {_limits.MaxMessageSize}" : "SIZE");
        if (_options.Offers(SmtpExtensions.EightBitMime)) lines.Add("8BITMIME");
        if (_options.Offers(SmtpExtensions.SmtpUtf8)) lines.Add("SMTPUTF8");
        if (UseEnhanced) lines.Add("ENHANCEDSTATUSCODES");
        if (CanStartTls) lines.Add("STARTTLS");
        if (CanAuth && AuthenticatedUser is null) lines.Add("AUTH " + string.Join(' ', _options.AuthMechanisms));
        if (_options.Offers(SmtpExtensions.Chunking)) lines.Add("CHUNKING");
        if (_options.Offers(SmtpExtensions.Dsn)) lines.Add("DSN");
        lines.Add("HELP");
        ReplyLines(250, lines);
    }

    private bool CanStartTls =>
        _options.Offers(SmtpExtensions.StartTls) && !IsTls && _options.GetTlsOptions() is not null;

    private bool AuthOffered => _options.Offers(SmtpExtensions.Auth) && _options.Authenticator is not null;

    private bool CanAuth => AuthOffered && (IsTls || _options.AllowInsecureAuth);

    private void ResetTransaction()
    {
        _from = null;
        _mailParameters = null;
        _recipients.Clear();
        _buffer.Reset();
        if (_state != SmtpState.Connected) _state = SmtpState.Ready;
    }

    /// <summary>Counts a bad command and answers it; past the budget, 421 and close.</summary>
    private void Bad(SmtpRejectReason reason)
    {
        if (++_badCommands > _limits.MaxBadCommands)
        {
            Reject(SmtpRejectReason.TooManyErrors);
            return;
        }
        Reject(reason);
    }

    private void Reject(SmtpRejectReason reason)
    {
        var entry = SmtpRejectReasons.Get(reason);
        SmtpServerMetrics.Rejected(reason);
        Reply(entry.Code, entry.Enhanced, entry.Text);
        if (entry.ClosesSession) _closing = true;
    }

    private void Reply(SmtpResponse response) => Reply(response.Code, response.Enhanced, response.Text);

    private void Reply(int code, string? enhanced, string text)
    {
        var line = UseEnhanced && enhanced is not null
            ? $"{code} {enhanced} {text}"
            : $"{code} {text}";
        if (_trace) Trace("S: {0}", line);
        _connection.Writer.WriteLine(line);
    }

    private void ReplyLines(int code, List<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var line = $"{code}{(i == lines.Count - 1 ? ' ' : '-')}{lines[i]}";
            if (_trace) Trace("S: {0}", line);
            _connection.Writer.WriteLine(line);
        }
    }

    private static string RedactAuth(string argument)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? "AUTH " + argument : "AUTH " + argument[..space] + " ***";
    }

    private void Trace(string format, string value) =>
        _logger.LogTrace("[{Session}] {Line}", SessionId, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, value));

    private void Log(string format, string? value = null) =>
        _logger.LogDebug("[{Session}] {Event}", SessionId, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, value));

    public ValueTask DisposeAsync()
    {
        _buffer.Dispose();
        return _connection.DisposeAsync();
    }
}
