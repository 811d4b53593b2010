using System.Text;
using System.Text.RegularExpressions;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

internal sealed partial class ImapSession
{
    /// <summary>The mailboxes this login sees: INBOX, and in shared mode one per recipient view of the store.</summary>
    private async ValueTask<List<(string Name, string StoreName)>> VisibleMailboxesAsync(CancellationToken cancellationToken)
    {
        var list = new List<(string, string)> { ("INBOX", InboxStoreName) };
        if (_options.PerRecipient) return list;
        foreach (var name in await _store.ListMailboxesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!name.Equals(MailQuery.Inbox, StringComparison.OrdinalIgnoreCase)) list.Add((name, name));
        }
        return list;
    }

    /// <summary>The store mailbox behind this login's INBOX: everything, or in per-recipient mode the login's own view.</summary>
    private string InboxStoreName => _options.PerRecipient ? _user!.ToLowerInvariant() : MailQuery.Inbox;

    private async ValueTask<(string Name, string StoreName)?> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase)) return ("INBOX", InboxStoreName);
        foreach (var mailbox in await VisibleMailboxesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (mailbox.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return mailbox;
        }
        return null;
    }

    /// <summary>A mailbox's state; a recipient view nobody has written to yet is empty, with the store's UIDVALIDITY.</summary>
    private async ValueTask<MailboxStatus> StatusOfAsync(string storeName, CancellationToken cancellationToken)
    {
        if (await _store.GetMailboxAsync(storeName, cancellationToken).ConfigureAwait(false) is { } status) return status;
        var inbox = await _store.GetMailboxAsync(MailQuery.Inbox, cancellationToken).ConfigureAwait(false)
            ?? throw new MailStoreException("the store has no INBOX");
        return new MailboxStatus(storeName, inbox.UidValidity, inbox.UidNext, 0, 0);
    }

    private async ValueTask<ImapOutcome> ListAsync(ImapCommand command, bool lsub, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        var i = 0;
        if (!lsub && args.Count > 0 && args[0].Kind == ImapValueKind.List) i++; // LIST-EXTENDED selection options: all are served alike
        if (args.Count < i + 2 || !args[i].IsAString || !(args[i + 1].IsAString || args[i + 1].Kind == ImapValueKind.List))
            return await BadArgumentsAsync(command, "takes a reference and a mailbox pattern", cancellationToken).ConfigureAwait(false);
        var reference = args[i].Text;
        var patterns = args[i + 1].Kind == ImapValueKind.List ? args[i + 1].Items.Select(v => v.Text).ToList() : [args[i + 1].Text];
        var verb = lsub ? "LSUB" : "LIST";
        if (patterns is [""])
        {
            W.Raw("* ").Raw(verb).Raw(" (\\Noselect) \"/\" \"\"").Crlf();
            return await OkAsync(command, verb + " completed", cancellationToken).ConfigureAwait(false);
        }
        var matchers = patterns.Select(p => Wildcard(reference + p)).ToList();
        foreach (var (name, _) in await VisibleMailboxesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!matchers.Any(m => m.IsMatch(name))) continue;
            W.Raw("* ").Raw(verb).Raw(" (\\HasNoChildren");
            // INBOX holds every captured message unless each login sees only its own: RFC 6154's \All.
            if (name == "INBOX" && !_options.PerRecipient) W.Raw(" \\All");
            W.Raw(") \"/\" ").AString(name).Crlf();
        }
        return await OkAsync(command, verb + " completed", cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ReadDoneAsync(CancellationToken cancellationToken)
    {
        var line = await Connection.Reader.ReadLineAsync(_options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
        return line is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;
    }

    private static Regex Wildcard(string pattern)
    {
        var inbox = pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" + pattern[5..] : pattern;
        var regex = "^" + Regex.Escape(inbox).Replace(@"\*", ".*", StringComparison.Ordinal).Replace("%", "[^/]*", StringComparison.Ordinal) + "$";
        return new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private async ValueTask<ImapOutcome> StatusAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count != 2 || !args[0].IsAString || args[1].Kind != ImapValueKind.List || args[1].Items.Count == 0)
            return await BadArgumentsAsync(command, "takes a mailbox and a list of items", cancellationToken).ConfigureAwait(false);
        if (await ResolveAsync(args[0].Text, cancellationToken).ConfigureAwait(false) is not { } mailbox)
            return await NoAsync(command, "[NONEXISTENT] no such mailbox", cancellationToken).ConfigureAwait(false);
        var status = await StatusOfAsync(mailbox.StoreName, cancellationToken).ConfigureAwait(false);
        var w = W;
        w.Raw("* STATUS ").AString(mailbox.Name).Raw(" (");
        var first = true;
        foreach (var item in args[1].Items)
        {
            var name = item.Text.ToUpperInvariant();
            long? value = name switch
            {
                "MESSAGES" => status.Messages,
                "UIDNEXT" => status.UidNext,
                "UIDVALIDITY" => status.UidValidity,
                "UNSEEN" => status.Unseen,
                "RECENT" => 0,
                _ => null,
            };
            if (value is null) return await BadArgumentsAsync(command, "unknown STATUS item " + item.Text, cancellationToken).ConfigureAwait(false);
            if (!first) w.Space();
            first = false;
            w.Raw(name).Space().Number(value.Value);
        }
        w.Raw(")").Crlf();
        return await OkAsync(command, "STATUS completed", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ImapOutcome> SelectAsync(ImapCommand command, bool readOnly, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count < 1 || !args[0].IsAString) return await BadArgumentsAsync(command, "takes a mailbox name", cancellationToken).ConfigureAwait(false);
        if (_selected is not null)
        {
            _selected.Dispose();
            _selected = null;
            State = ImapStates.Authenticated;
            W.Raw("* OK [CLOSED] Previous mailbox closed").Crlf();
        }
        if (await ResolveAsync(args[0].Text, cancellationToken).ConfigureAwait(false) is not { } mailbox)
            return await NoAsync(command, "[NONEXISTENT] no such mailbox", cancellationToken).ConfigureAwait(false);
        var status = await StatusOfAsync(mailbox.StoreName, cancellationToken).ConfigureAwait(false);
        var selected = new SelectedMailbox(_store, mailbox.Name, mailbox.StoreName, readOnly, status);
        try
        {
            await selected.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            selected.Dispose();
            throw;
        }
        _selected = selected;
        State = ImapStates.Selected;
        var w = W;
        w.Raw("* ").Number(selected.Messages.Count).Raw(" EXISTS").Crlf();
        if (!_rev2) w.Raw("* 0 RECENT").Crlf();
        w.Raw("* FLAGS ").Raw(ImapFormat.AllFlags).Crlf();
        w.Raw("* OK [PERMANENTFLAGS ").Raw(readOnly ? "()" : ImapFormat.PermanentFlags).Raw("] Flags permitted").Crlf();
        if (!_rev2)
        {
            var unseen = selected.Messages.FindIndex(m => (m.Flags & MailFlags.Seen) == 0);
            if (unseen >= 0) w.Raw("* OK [UNSEEN ").Number(unseen + 1).Raw("] First unseen").Crlf();
        }
        w.Raw("* OK [UIDVALIDITY ").Number(selected.UidValidity).Raw("] UIDs valid").Crlf();
        w.Raw("* OK [UIDNEXT ").Number(selected.UidNext).Raw("] Predicted next UID").Crlf();
        var verb = readOnly ? "EXAMINE" : "SELECT";
        return await TaggedAsync(command.Tag, "OK", (readOnly ? "[READ-ONLY] " : "[READ-WRITE] ") + verb + " completed", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ImapOutcome> CloseAsync(ImapCommand command, bool expunge, CancellationToken cancellationToken)
    {
        var selected = _selected!;
        if (expunge && !selected.ReadOnly)
        {
            var ids = selected.Messages.Where(m => (m.Flags & MailFlags.Deleted) != 0).Select(m => m.Id).ToList();
            if (ids.Count > 0) await _store.DeleteAsync(ids, cancellationToken).ConfigureAwait(false);
        }
        selected.Dispose();
        _selected = null;
        State = ImapStates.Authenticated;
        return await TaggedAsync(command.Tag, "OK", command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// IDLE (RFC 2177): "+ idling", then every change to the selected mailbox as it happens (EXISTS within moments of
    /// the store's event), until the client sends DONE. The idle timeout bounds the wait; clients re-issue IDLE every
    /// 29 minutes, inside the 30-minute default.
    /// </summary>
    private async ValueTask<ImapOutcome> IdleAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 0) return await BadArgumentsAsync(command, "takes no arguments", cancellationToken).ConfigureAwait(false);
        W.Raw("+ idling").Crlf();
        Untagged(allowExpunge: true, uid: false);
        await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        // DONE is an ordinary read (the kernel's idle timeout bounds it; the command deadline does not).
        var line = ReadDoneAsync(cancellationToken);
        var selected = _selected;
        while (true)
        {
            if (selected is null)
            {
                await line.ConfigureAwait(false);
                break;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var signal = selected.Signal.WaitAsync(stop.Token);
            var done = await Task.WhenAny(line, signal).ConfigureAwait(false);
            if (done == line)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await signal.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The wait for a change ended because DONE came.
                }
                break;
            }
            Untagged(allowExpunge: true, uid: false);
            await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        var text = await line.ConfigureAwait(false) ?? throw new Protocols.Net.IncompleteReadException(ReadOnlyMemory<byte>.Empty, null);
        if (!text.Equals("DONE", StringComparison.OrdinalIgnoreCase))
        {
            BadCommand(command.Tag, "IDLE ends with DONE");
            return ImapOutcome.Continue;
        }
        return await OkAsync(command, "IDLE terminated", cancellationToken).ConfigureAwait(false);
    }
}
