using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Lines;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

/// <summary>
/// One IMAP session (RFC 9051, serving RFC 3501 clients too) on the line kernel: the kernel reads each command through
/// <see cref="ImapCommandFraming"/> (lines and literals, continuation requests), finds the verb after the tag, enforces
/// states, budgets and deadlines; the handlers here parse the arguments (<see cref="ImapCommandParser"/>) and answer.
/// Plain code over a <see cref="Connection"/>: a Kestrel handler or, in a test, <see cref="Connection.CreatePair"/>.
/// </summary>
internal sealed partial class ImapSession : LineSession<ImapSession, ImapStates>
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

    /// <summary>The kernel's table: every command but the UID ones by name, and UID (its handler looks the subcommand up in <see cref="Commands"/>).</summary>
    private static readonly VerbTable<ImapSession, ImapStates> Verbs = BuildVerbs();

    private static readonly byte[] GoAhead = "+ Ready for literal data\r\n"u8.ToArray();

    private readonly ImapServer _server;
    private readonly ImapServerOptions _options;
    private readonly IMailStore _store;
    private readonly bool _implicitTls;
    private string? _tag;
    private string _verbText = "";
    private string? _user;
    private SelectedMailbox? _selected;
    private bool _rev2;

    public ImapSession(Connection connection, ImapServer server, bool implicitTls)
        : base(connection, Verbs, new ImapCommandFraming(server.Options), server.Limits, server.LineServices, ImapStates.NotAuthenticated)
    {
        _server = server;
        _options = server.Options;
        _store = server.Store;
        _implicitTls = implicitTls;
    }

    private static VerbTable<ImapSession, ImapStates> BuildVerbs()
    {
        var table = new VerbTable<ImapSession, ImapStates>();
        foreach (var (name, rule) in Commands.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (name.StartsWith("UID ", StringComparison.Ordinal)) continue;
            table.Add(name, rule.States, static (s, c, t) => s.RunCommandAsync(c, t), flags: name is "LOGIN" or "AUTHENTICATE" ? VerbFlags.Secret : VerbFlags.None);
        }
        return table.Add("UID", ImapStates.Selected, static (s, c, t) => s.RunCommandAsync(c, t));
    }

    private ImapResponse W => new(Connection.Writer.Buffer);

    /// <summary>TLS is up: upgraded with STARTTLS, or put in front of the session by the host (implicit TLS).</summary>
    private bool Secure => Connection.IsTls || _implicitTls;

    private bool LoginAllowed => Secure || _options.AllowPlaintextLogin;

    protected override ValueTask<bool> GreetAsync(CancellationToken cancellationToken)
    {
        W.Raw("* OK [CAPABILITY ").Raw(CapabilityList()).Raw("] ").Raw(_options.Greeting).Crlf();
        return ValueTask.FromResult(true);
    }

    /// <summary>The verb is the word after the tag; the tag is kept for the reply.</summary>
    protected override bool SplitCommand(ReadOnlySpan<byte> line, out Range verb, out Range argument)
    {
        _tag = null;
        verb = argument = default;
        var space = line.IndexOf((byte)' ');
        if (space <= 0) return false;
        foreach (var c in line[..space])
        {
            if (c == (byte)'+' || !(ImapCommandParser.IsAtomChar(c) || c == (byte)']')) return false;
        }
        _tag = Encoding.ASCII.GetString(line[..space]);
        var rest = line[(space + 1)..];
        var end = rest.IndexOf((byte)' ');
        var nameLength = end < 0 ? rest.Length : end;
        _verbText = Encoding.ASCII.GetString(rest[..Math.Min(nameLength, 32)]).ToUpperInvariant();
        verb = (space + 1)..(space + 1 + nameLength);
        argument = end < 0 ? new Range(line.Length, line.Length) : (space + 1 + end + 1)..;
        return nameLength > 0;
    }

    protected override void Refuse(LineReject reason)
    {
        var table = ImapRejects.Table;
        var imapReason = table.MappedReason(reason)!.Value;
        var entry = table[imapReason];
        CountRejected(entry);
        if (entry.Code == 1)
        {
            W.Raw("* BYE ").Raw(entry.Text).Crlf();
            Closing = true;
        }
        else
        {
            var text = imapReason switch
            {
                ImapReject.UnknownCommand => "unknown command " + _verbText,
                ImapReject.BadSequence => _verbText + ": " + (State == ImapStates.NotAuthenticated ? "log in first" : (Commands.GetValueOrDefault(_verbText)?.States ?? ImapStates.Selected) == ImapStates.Selected ? "select a mailbox first" : "not valid in this state"),
                ImapReject.SyntaxError when _tag is null => "syntax error: a command is a tag, a space and a name",
                ImapReject.TooBig => "[TOOBIG] a command line is longer than " + _options.MaxCommandLength + " octets",
                _ => entry.Text,
            };
            W.Raw(_tag ?? "*").Raw(" BAD ").Raw(text).Crlf();
        }
        _tag = null;
    }

    protected override void WriteFault(in VerbFault fault) =>
        W.Raw(_tag ?? "*").Raw(fault.Code >= 500 ? " BAD " : " NO ").Raw(fault.Text ?? "Scripted failure").Crlf();

    /// <summary>Every verb: take the literals the framing left (APPEND's message, a literal too big), parse, run the handler.</summary>
    private async ValueTask<bool> RunCommandAsync(LineCommand line, CancellationToken cancellationToken)
    {
        try
        {
            return await RunParsedAsync(line, _tag!, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _tag = null; // a refusal the kernel makes next (a line too long) has no tag of its own
        }
    }

    private async ValueTask<bool> RunParsedAsync(LineCommand line, string tag, CancellationToken cancellationToken)
    {
        var bytes = line.Frame.ToArray();
        if (ImapFraming.TryGetLiteral(LastLine(bytes), out var size, out var nonSync))
        {
            if (_verbText != "APPEND")
            {
                if (nonSync) await SkipLiteralAsync(size, cancellationToken).ConfigureAwait(false);
                BadCommand(tag, "[TOOBIG] a literal is larger than " + _options.MaxLiteralSize + " octets");
                return false;
            }
            bytes = await ReadAppendAsync(tag, bytes, size, nonSync, cancellationToken).ConfigureAwait(false);
            if (bytes is null) return false;
        }
        var parsed = ImapCommandParser.Parse(WithCrlf(bytes));
        if (parsed.Status != ImapParseStatus.Complete)
        {
            BadCommand(tag, parsed.Error ?? "syntax error");
            return false;
        }
        var command = parsed.Command!;
        if (!Commands.TryGetValue(command.Name, out var rule))
        {
            BadCommand(tag, "unknown command " + command.Name);
            return false;
        }
        try
        {
            if (await rule.Run(this, command, cancellationToken).ConfigureAwait(false) == ImapOutcome.Close) Closing = true;
        }
        catch (MailStoreException e)
        {
            W.Raw(tag).Raw(" NO [UNAVAILABLE] the mail store failed: ").Raw(e.Message.ReplaceLineEndings(" ")).Crlf();
        }
        return false;
    }

    private static ReadOnlySpan<byte> LastLine(byte[] frame)
    {
        var lf = frame.AsSpan().LastIndexOf((byte)'\n');
        return lf < 0 ? frame : frame.AsSpan(lf + 1);
    }

    private static byte[] WithCrlf(byte[] bytes)
    {
        var result = new byte[bytes.Length + 2];
        bytes.CopyTo(result, 0);
        result[^2] = (byte)'\r';
        result[^1] = (byte)'\n';
        return result;
    }

    /// <summary>A LITERAL+ literal that is refused still arrives: consume it and the rest of its line, so it is never read as commands.</summary>
    private async ValueTask SkipLiteralAsync(long size, CancellationToken cancellationToken)
    {
        await SkipAsync(size, cancellationToken).ConfigureAwait(false);
        _ = await ReadLineAsync(_options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// APPEND's literals, read by the handler rather than buffered by the framing: the go-ahead for a synchronizing
    /// one, the bytes under the transfer limits, then the next line (which may announce another literal). Null when
    /// refused (answered <c>NO [TOOBIG]</c> past <see cref="ImapServerOptions.MaxAppendSize"/>, RFC 7889).
    /// </summary>
    private async ValueTask<byte[]?> ReadAppendAsync(string tag, byte[] first, long size, bool nonSync, CancellationToken cancellationToken)
    {
        using var command = new MemoryStream();
        command.Write(first);
        long total = 0;
        while (true)
        {
            command.Write("\r\n"u8);
            total += size;
            if (total > _options.MaxAppendSize)
            {
                if (nonSync) await SkipLiteralAsync(size, cancellationToken).ConfigureAwait(false);
                W.Raw(tag).Raw(" NO [TOOBIG] the message is larger than the APPENDLIMIT of ").Number(_options.MaxAppendSize).Raw(" octets").Crlf();
                return null;
            }
            if (!nonSync)
            {
                Connection.Writer.Write(GoAhead);
                await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            await TransferAsync(async token =>
            {
                var copied = await Connection.Reader.CopyToAsync(command, size, token).ConfigureAwait(false);
                if (copied < size) throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, size);
            }, cancellationToken).ConfigureAwait(false);
            var next = await ReadLineAsync(_options.MaxCommandLength, cancellationToken).ConfigureAwait(false)
                ?? throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, null);
            var line = next.ToArray();
            command.Write(line);
            if (!ImapFraming.TryGetLiteral(line, out size, out nonSync)) break;
        }
        return command.ToArray();
    }

    /// <summary>Reads one more line of the current command (AUTHENTICATE's response) as text; null at end of stream.</summary>
    private async ValueTask<string?> ReadTextLineAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(_options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
        return line is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
    }

    /// <summary>A command with bad arguments: tagged BAD with the reason, counted; past the budget, BYE.</summary>
    private void BadCommand(string tag, string text)
    {
        if (CountBadCommand())
        {
            Refuse(LineReject.TooManyErrors);
            return;
        }
        CountRejected(ImapRejects.Table[ImapReject.SyntaxError]);
        W.Raw(tag).Raw(" BAD ").Raw(text.ReplaceLineEndings(" ")).Crlf();
    }

    private ValueTask<ImapOutcome> BadArgumentsAsync(ImapCommand command, string text, CancellationToken cancellationToken)
    {
        BadCommand(command.Tag, command.Name + ": " + text);
        return ValueTask.FromResult(ImapOutcome.Continue);
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

    private ValueTask<ImapOutcome> TaggedAsync(string tag, string status, string text, CancellationToken cancellationToken)
    {
        W.Raw(tag).Space().Raw(status).Space().Raw(text).Crlf();
        return ValueTask.FromResult(ImapOutcome.Continue);
    }

    protected override ValueTask OnEndedAsync()
    {
        _selected?.Dispose();
        _selected = null;
        return ValueTask.CompletedTask;
    }
}
