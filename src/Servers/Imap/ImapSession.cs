using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

/// <summary>
/// One IMAP session (RFC 9051, serving RFC 3501 clients too) over a <see cref="Connection"/>: plain code, driven by a
/// Kestrel handler or, in a test, over <see cref="Connection.CreatePair"/>. Commands are read whole (lines and their
/// literals, <see cref="ImapCommandReader"/>), parsed (<see cref="ImapCommandParser"/>) and looked up in a table of
/// name -> states -> handler.
/// </summary>
internal sealed partial class ImapSession
{
    internal const string Protocol = "imap";

    private static readonly FrozenDictionary<string, ImapCommandRule> Commands = new Dictionary<string, ImapCommandRule>(StringComparer.Ordinal)
    {
        ["CAPABILITY"] = new(ImapStates.Any, true, static (s, c, t) => s.CapabilityAsync(c, t)),
        ["NOOP"] = new(ImapStates.Any, true, static (s, c, t) => s.OkAsync(c, "NOOP completed", t)),
        ["CHECK"] = new(ImapStates.Selected, true, static (s, c, t) => s.OkAsync(c, "CHECK completed", t)),
        ["LOGOUT"] = new(ImapStates.Any, false, static (s, c, t) => s.LogoutAsync(c, t)),
        ["ID"] = new(ImapStates.Any, true, static (s, c, t) => s.IdAsync(c, t)),
        ["STARTTLS"] = new(ImapStates.NotAuthenticated, false, static (s, c, t) => s.StartTlsAsync(c, t)),
        ["LOGIN"] = new(ImapStates.NotAuthenticated, false, static (s, c, t) => s.LoginAsync(c, t)),
        ["AUTHENTICATE"] = new(ImapStates.NotAuthenticated, false, static (s, c, t) => s.AuthenticateAsync(c, t)),
        ["ENABLE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.EnableAsync(c, t)),
        ["NAMESPACE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.NamespaceAsync(c, t)),
        ["LIST"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.ListAsync(c, lsub: false, t)),
        ["LSUB"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.ListAsync(c, lsub: true, t)),
        ["STATUS"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.StatusAsync(c, t)),
        ["SELECT"] = new(ImapStates.LoggedIn, false, static (s, c, t) => s.SelectAsync(c, readOnly: false, t)),
        ["EXAMINE"] = new(ImapStates.LoggedIn, false, static (s, c, t) => s.SelectAsync(c, readOnly: true, t)),
        ["CREATE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.NoAsync(c, "[CANNOT] mailboxes are the store's: INBOX and one per recipient", t)),
        ["DELETE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.NoAsync(c, "[CANNOT] mailboxes are the store's: INBOX and one per recipient", t)),
        ["RENAME"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.NoAsync(c, "[CANNOT] mailboxes are the store's: INBOX and one per recipient", t)),
        ["SUBSCRIBE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.OkAsync(c, "SUBSCRIBE completed", t)),
        ["UNSUBSCRIBE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.OkAsync(c, "UNSUBSCRIBE completed", t)),
        ["APPEND"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.AppendAsync(c, t)),
        ["IDLE"] = new(ImapStates.LoggedIn, true, static (s, c, t) => s.IdleAsync(c, t)),
        ["CLOSE"] = new(ImapStates.Selected, false, static (s, c, t) => s.CloseAsync(c, expunge: true, t)),
        ["UNSELECT"] = new(ImapStates.Selected, false, static (s, c, t) => s.CloseAsync(c, expunge: false, t)),
        ["EXPUNGE"] = new(ImapStates.Selected, true, static (s, c, t) => s.ExpungeAsync(c, null, t)),
        ["UID EXPUNGE"] = new(ImapStates.Selected, true, static (s, c, t) => s.UidExpungeAsync(c, t)),
        ["FETCH"] = new(ImapStates.Selected, false, static (s, c, t) => s.FetchAsync(c, byUid: false, t)),
        ["UID FETCH"] = new(ImapStates.Selected, true, static (s, c, t) => s.FetchAsync(c, byUid: true, t)),
        ["SEARCH"] = new(ImapStates.Selected, false, static (s, c, t) => s.SearchAsync(c, byUid: false, t)),
        ["UID SEARCH"] = new(ImapStates.Selected, true, static (s, c, t) => s.SearchAsync(c, byUid: true, t)),
        ["STORE"] = new(ImapStates.Selected, false, static (s, c, t) => s.StoreAsync(c, byUid: false, t)),
        ["UID STORE"] = new(ImapStates.Selected, true, static (s, c, t) => s.StoreAsync(c, byUid: true, t)),
        ["COPY"] = new(ImapStates.Selected, true, static (s, c, t) => s.CopyAsync(c, byUid: false, move: false, t)),
        ["UID COPY"] = new(ImapStates.Selected, true, static (s, c, t) => s.CopyAsync(c, byUid: true, move: false, t)),
        ["MOVE"] = new(ImapStates.Selected, true, static (s, c, t) => s.CopyAsync(c, byUid: false, move: true, t)),
        ["UID MOVE"] = new(ImapStates.Selected, true, static (s, c, t) => s.CopyAsync(c, byUid: true, move: true, t)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly Connection _connection;
    private readonly ImapServer _server;
    private readonly ImapServerOptions _options;
    private readonly IMailStore _store;
    private readonly ILogger _logger;
    private readonly ImapCommandReader _reader;
    private ImapStates _state = ImapStates.NotAuthenticated;
    private string? _user;
    private SelectedMailbox? _selected;
    private int _badCommands;
    private bool _rev2;

    private readonly bool _implicitTls;

    public ImapSession(Connection connection, ImapServer server, bool implicitTls)
    {
        _implicitTls = implicitTls;
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _options = server.Options;
        _store = server.Store;
        _logger = server.Logger;
        _reader = new ImapCommandReader(connection, _options);
    }

    private ImapResponse W => new(_connection.Writer.Buffer);

    /// <summary>TLS is up: upgraded with STARTTLS, or put in front of the session by the host (implicit TLS).</summary>
    private bool Secure => _connection.IsTls || _implicitTls;

    private bool LoginAllowed => Secure || _options.AllowPlaintextLogin;

    /// <summary>Runs the session until LOGOUT, the peer leaves, the idle timeout, or <paramref name="cancellationToken"/>; then closes the connection.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var scope = _server.Metrics?.ConnectionOpened(Protocol);
        try
        {
            _connection.Reader.ReadTimeout = _options.IdleTimeout;
            W.Raw("* OK [CAPABILITY ").Raw(CapabilityList()).Raw("] ").Raw(_options.Greeting).Crlf();
            await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (read.Kind == ImapReadKind.End) break;
                if (read.Kind == ImapReadKind.Refused)
                {
                    // Too long, or a literal too big: answered with [TOOBIG] and drained; the session goes on.
                    if (!await RejectAsync(read.Tag, "[TOOBIG] " + read.Error, "too-big", cancellationToken).ConfigureAwait(false)) break;
                    continue;
                }
                if (await DispatchAsync(read.Command, cancellationToken).ConfigureAwait(false) == ImapOutcome.Close) break;
            }
            await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogIdle(_logger, _connection.RemoteEndPoint);
            await TryByeAsync("Autologout: idle for too long", cancellationToken).ConfigureAwait(false);
        }
        catch (ImapCommandTimeoutException)
        {
            LogDropped(_logger, _connection.RemoteEndPoint, "command deadline");
            await TryByeAsync("Autologout: the command took too long to arrive", cancellationToken).ConfigureAwait(false);
        }
        catch (ImapFramingException e)
        {
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
            await TryByeAsync(e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (ProtocolException e)
        {
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
            await TryByeAsync("Protocol error: " + e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // The peer left mid-command: nothing more can be said on this connection.
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            LogDropped(_logger, _connection.RemoteEndPoint, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TryByeAsync("Server shutting down", CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _selected?.Dispose();
            _reader.Dispose();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<ImapOutcome> DispatchAsync(ImapParseResult parsed, CancellationToken cancellationToken)
    {
        if (parsed.Status != ImapParseStatus.Complete)
        {
            return await RejectAsync(parsed.Tag, parsed.Error ?? "syntax error", "syntax", cancellationToken).ConfigureAwait(false)
                ? ImapOutcome.Continue : ImapOutcome.Close;
        }
        var command = parsed.Command!;
        if (!Commands.TryGetValue(command.Name, out var rule))
            return await RejectAsync(command.Tag, "unknown command " + command.Name, "unknown-command", cancellationToken).ConfigureAwait(false) ? ImapOutcome.Continue : ImapOutcome.Close;
        if ((rule.States & _state) == 0)
        {
            var why = _state == ImapStates.NotAuthenticated ? "log in first" : rule.States == ImapStates.Selected ? "select a mailbox first" : "not valid in this state";
            return await RejectAsync(command.Tag, command.Name + ": " + why, "out-of-sequence", cancellationToken).ConfigureAwait(false) ? ImapOutcome.Continue : ImapOutcome.Close;
        }
        var outcome = await rule.Run(this, command, cancellationToken).ConfigureAwait(false);
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Writes what changed in the selected mailbox since the last command (before the tagged reply).</summary>
    private void Untagged(bool allowExpunge, bool uid) =>
        _selected?.ApplyPending(W, allowExpunge, uid, _server.Cache.Remove);

    private ValueTask<ImapOutcome> OkAsync(ImapCommand command, string text, CancellationToken cancellationToken)
    {
        Untagged(Commands[command.Name].AllowExpunge, command.Name.StartsWith("UID ", StringComparison.Ordinal));
        return TaggedAsync(command.Tag, "OK", text, cancellationToken);
    }

    private ValueTask<ImapOutcome> NoAsync(ImapCommand command, string text, CancellationToken cancellationToken) =>
        TaggedAsync(command.Tag, "NO", text, cancellationToken);

    private async ValueTask<ImapOutcome> TaggedAsync(string tag, string status, string text, CancellationToken cancellationToken)
    {
        W.Raw(tag).Space().Raw(status).Space().Raw(text).Crlf();
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return ImapOutcome.Continue;
    }

    /// <summary>A command the server will not run: BAD (tagged, or untagged when no tag was read), counted. False after BYE once the budget is spent.</summary>
    private async ValueTask<bool> RejectAsync(string? tag, string text, string reason, CancellationToken cancellationToken)
    {
        _server.Metrics?.Rejected(Protocol, reason);
        W.Raw(tag ?? "*").Raw(" BAD ").Raw(text.Replace('\r', ' ').Replace('\n', ' ')).Crlf();
        if (++_badCommands > _options.MaxBadCommands)
        {
            W.Raw("* BYE [UNAVAILABLE] Too many bad commands, closing").Crlf();
            await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }
        await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A command with bad arguments: BAD with the reason, counted against the budget.</summary>
    private async ValueTask<ImapOutcome> BadArgumentsAsync(ImapCommand command, string text, CancellationToken cancellationToken) =>
        await RejectAsync(command.Tag, command.Name + ": " + text, "syntax", cancellationToken).ConfigureAwait(false) ? ImapOutcome.Continue : ImapOutcome.Close;

    private async ValueTask TryByeAsync(string text, CancellationToken cancellationToken)
    {
        try
        {
            W.Raw("* BYE ").Raw(text).Crlf();
            await _connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone: the BYE had nowhere to go.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "IMAP login failed for {User} from {Remote}")]
    private static partial void LogLoginFailed(ILogger logger, System.Net.EndPoint? remote, string user);

    [LoggerMessage(Level = LogLevel.Debug, Message = "IMAP session from {Remote} idle for too long")]
    private static partial void LogIdle(ILogger logger, System.Net.EndPoint? remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "IMAP session from {Remote} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, System.Net.EndPoint? remote, string reason);
}
