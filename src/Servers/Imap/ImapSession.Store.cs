using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

internal sealed partial class ImapSession
{
    private async ValueTask<ImapOutcome> StoreAsync(ImapCommand command, bool byUid, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count < 3 || args[0].Kind != ImapValueKind.Atom || args[1].Kind != ImapValueKind.Atom)
            return await BadArgumentsAsync(command, "takes a set, FLAGS/+FLAGS/-FLAGS[.SILENT] and flags", cancellationToken).ConfigureAwait(false);
        var item = args[1].Text.ToUpperInvariant();
        var silent = item.EndsWith(".SILENT", StringComparison.Ordinal);
        if (silent) item = item[..^7];
        if (item is not ("FLAGS" or "+FLAGS" or "-FLAGS")) return await BadArgumentsAsync(command, "unknown STORE item " + args[1].Text, cancellationToken).ConfigureAwait(false);
        var flagValues = args.Count == 3 && args[2].Kind == ImapValueKind.List ? args[2].Items : args.Skip(2).ToList();
        var system = MailFlags.None;
        var keywords = new List<string>();
        foreach (var v in flagValues)
        {
            if (v.Kind != ImapValueKind.Atom) return await BadArgumentsAsync(command, "a flag is an atom: " + v, cancellationToken).ConfigureAwait(false);
            if (ImapFormat.TryParseSystemFlag(v.Text, out var flag)) system |= flag;
            else if (ImapFormat.IsKeyword(v.Text)) keywords.Add(v.Text);
            else return await BadArgumentsAsync(command, "not a settable flag: " + v.Text, cancellationToken).ConfigureAwait(false);
        }
        if (_selected!.ReadOnly) return await NoAsync(command, "[READ-ONLY] the mailbox is read-only (EXAMINE)", cancellationToken).ConfigureAwait(false);
        if (!TryResolve(args[0].Text, byUid, out var indexes, out var error)) return await BadArgumentsAsync(command, error!, cancellationToken).ConfigureAwait(false);
        var gone = false;
        foreach (var index in indexes)
        {
            var summary = _selected.Messages[index];
            var change = item switch
            {
                "+FLAGS" => new MailFlagChange(Add: system, AddKeywords: keywords),
                "-FLAGS" => new MailFlagChange(Remove: system, RemoveKeywords: keywords),
                _ => new MailFlagChange(Add: system, Remove: AllSystemFlags & ~system, AddKeywords: keywords,
                    RemoveKeywords: [.. summary.Keywords.Where(k => !keywords.Contains(k, StringComparer.OrdinalIgnoreCase))]),
            };
            var updated = await _store.SetFlagsAsync(summary.Id, change, cancellationToken).ConfigureAwait(false);
            if (updated is null)
            {
                gone = true;
                continue;
            }
            _selected.Messages[index] = updated;
            if (!silent)
            {
                var w = W.Raw("* ").Number(index + 1).Raw(" FETCH (");
                if (byUid) w.Raw("UID ").Number(updated.Uid).Space();
                ImapFormat.Flags(w, updated).Raw(")").Crlf();
            }
            if (Connection.Writer.UnflushedBytes >= FlushEvery) await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        if (gone) return await NoAsync(command, "[EXPUNGEISSUED] Some of the messages no longer exist", cancellationToken).ConfigureAwait(false);
        return await OkAsync(command, command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }

    private const MailFlags AllSystemFlags = MailFlags.Seen | MailFlags.Answered | MailFlags.Flagged | MailFlags.Deleted | MailFlags.Draft;

    private async ValueTask<ImapOutcome> UidExpungeAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count != 1 || command.Arguments[0].Kind != ImapValueKind.Atom || !SequenceSet.TryParse(command.Arguments[0].Text, out var set))
            return await BadArgumentsAsync(command, "takes a UID set", cancellationToken).ConfigureAwait(false);
        return await ExpungeAsync(command, set, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the \Deleted messages (in <paramref name="uids"/> when given) and answers one EXPUNGE per message, highest number first.</summary>
    private async ValueTask<ImapOutcome> ExpungeAsync(ImapCommand command, SequenceSet? uids, CancellationToken cancellationToken)
    {
        var selected = _selected!;
        if (selected.ReadOnly) return await NoAsync(command, "[READ-ONLY] the mailbox is read-only (EXAMINE)", cancellationToken).ConfigureAwait(false);
        var maxUid = (uint)Math.Min(uint.MaxValue, selected.MaxUid);
        var doomed = new List<int>();
        for (var i = 0; i < selected.Messages.Count; i++)
        {
            var m = selected.Messages[i];
            if ((m.Flags & MailFlags.Deleted) != 0 && (uids is null || uids.Contains((uint)Math.Min(uint.MaxValue, m.Uid), maxUid))) doomed.Add(i);
        }
        await RemoveAsync(doomed, cancellationToken).ConfigureAwait(false);
        return await OkAsync(command, command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RemoveAsync(List<int> doomed, CancellationToken cancellationToken)
    {
        if (doomed.Count == 0) return;
        var selected = _selected!;
        await _store.DeleteAsync([.. doomed.Select(i => selected.Messages[i].Id)], cancellationToken).ConfigureAwait(false);
        for (var k = doomed.Count - 1; k >= 0; k--)
        {
            var index = doomed[k];
            _server.Cache.Remove(selected.Messages[index].Id);
            selected.Messages.RemoveAt(index);
            W.Raw("* ").Number(index + 1).Raw(" EXPUNGE").Crlf();
        }
    }

    /// <summary>
    /// APPEND mailbox [flags] [date-time] literal: stores the message with the flags and date, in INBOX or the named
    /// recipient view (its envelope recipient is that address), and answers [APPENDUID] (RFC 4315).
    /// </summary>
    private async ValueTask<ImapOutcome> AppendAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count < 2 || !args[0].IsAString || args[^1].Kind != ImapValueKind.Literal)
            return await BadArgumentsAsync(command, "takes a mailbox, optional flags and date, and the message as a literal", cancellationToken).ConfigureAwait(false);
        var flags = MailFlags.None;
        var keywords = new List<string>();
        var received = DateTimeOffset.UtcNow;
        for (var i = 1; i < args.Count - 1; i++)
        {
            var a = args[i];
            if (a.Kind == ImapValueKind.List)
            {
                foreach (var f in a.Items)
                {
                    if (ImapFormat.TryParseSystemFlag(f.Text, out var flag)) flags |= flag;
                    else if (ImapFormat.IsKeyword(f.Text)) keywords.Add(f.Text);
                    else return await BadArgumentsAsync(command, "not a settable flag: " + f.Text, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (a.IsString && ImapFormat.TryParseDateTime(a.Text, out var date)) received = date;
            else return await BadArgumentsAsync(command, "flags are a list and a date is \"dd-Mon-yyyy hh:mm:ss +zzzz\": " + a, cancellationToken).ConfigureAwait(false);
        }
        if (await ResolveAsync(args[0].Text, cancellationToken).ConfigureAwait(false) is not { } mailbox)
            return await NoAsync(command, "[TRYCREATE] no such mailbox", cancellationToken).ConfigureAwait(false);
        var raw = args[^1].Bytes.ToArray();
        if (raw.Length == 0) return await NoAsync(command, "an empty message", cancellationToken).ConfigureAwait(false);
        var to = mailbox.StoreName == MailQuery.Inbox ? [] : new[] { mailbox.StoreName };
        var stored = await _store.AppendAsync(new MailToAppend(raw, _user ?? "", to) { Flags = flags, ReceivedAt = received }, cancellationToken).ConfigureAwait(false);
        if (keywords.Count > 0) await _store.SetFlagsAsync(stored.Id, new MailFlagChange(AddKeywords: keywords), cancellationToken).ConfigureAwait(false);
        var status = await StatusOfAsync(mailbox.StoreName, cancellationToken).ConfigureAwait(false);
        Untagged(allowExpunge: true, uid: false);
        return await TaggedAsync(command.Tag, "OK", "[APPENDUID " + status.UidValidity + " " + stored.Uid + "] APPEND completed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// COPY/MOVE set mailbox: the store's mailboxes are views (INBOX holds everything, a recipient view what was sent to
    /// that address), so a copy is a new message whose envelope puts it in the target view; MOVE then expunges the source.
    /// </summary>
    private async ValueTask<ImapOutcome> CopyAsync(ImapCommand command, bool byUid, bool move, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count != 2 || args[0].Kind != ImapValueKind.Atom || !args[1].IsAString)
            return await BadArgumentsAsync(command, "takes a set and a mailbox", cancellationToken).ConfigureAwait(false);
        if (!TryResolve(args[0].Text, byUid, out var indexes, out var error)) return await BadArgumentsAsync(command, error!, cancellationToken).ConfigureAwait(false);
        if (await ResolveAsync(args[1].Text, cancellationToken).ConfigureAwait(false) is not { } target)
            return await NoAsync(command, "[TRYCREATE] no such mailbox", cancellationToken).ConfigureAwait(false);
        var selected = _selected!;
        if (move && selected.ReadOnly) return await NoAsync(command, "[READ-ONLY] the mailbox is read-only (EXAMINE)", cancellationToken).ConfigureAwait(false);
        var sourceUids = new List<uint>();
        var targetUids = new List<uint>();
        foreach (var index in indexes)
        {
            var summary = selected.Messages[index];
            var raw = await ReadRawAsync(summary, cancellationToken).ConfigureAwait(false);
            if (raw is null) continue;
            var to = target.StoreName == MailQuery.Inbox ? summary.EnvelopeTo : [target.StoreName];
            var copy = await _store.AppendAsync(new MailToAppend(raw, summary.EnvelopeFrom, to) { Flags = summary.Flags, ReceivedAt = summary.ReceivedAt }, cancellationToken).ConfigureAwait(false);
            if (summary.Keywords.Count > 0) await _store.SetFlagsAsync(copy.Id, new MailFlagChange(AddKeywords: summary.Keywords), cancellationToken).ConfigureAwait(false);
            sourceUids.Add((uint)summary.Uid);
            targetUids.Add((uint)copy.Uid);
        }
        var status = await StatusOfAsync(target.StoreName, cancellationToken).ConfigureAwait(false);
        var code = sourceUids.Count == 0 ? "" : "[COPYUID " + status.UidValidity + " " + SequenceSet.Format(sourceUids) + " " + SequenceSet.Format(targetUids) + "] ";
        if (move)
        {
            W.Raw("* OK ").Raw(code).Raw("Moved").Crlf();
            await RemoveAsync(indexes, cancellationToken).ConfigureAwait(false);
            return await OkAsync(command, command.Name + " completed", cancellationToken).ConfigureAwait(false);
        }
        return await OkAsync(command, code + command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }
}
