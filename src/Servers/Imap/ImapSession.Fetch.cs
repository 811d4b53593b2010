using System.Buffers;
using Protocols.Servers.Mail;

namespace Protocols.Servers.Imap;

internal sealed partial class ImapSession
{
    /// <summary>Flush the response to the client when this much is waiting (a big FETCH streams instead of piling up).</summary>
    private const int FlushEvery = 64 * 1024;

    /// <summary>The indexes of the selected messages a set names; false for a sequence number past the end (RFC 9051: BAD).</summary>
    private bool TryResolve(string text, bool byUid, out List<int> indexes, out string? error)
    {
        indexes = [];
        error = null;
        var messages = _selected!.Messages;
        if (!SequenceSet.TryParse(text, out var set))
        {
            error = "a bad " + (byUid ? "UID" : "sequence") + " set: " + text;
            return false;
        }
        if (byUid)
        {
            var max = (uint)Math.Min(uint.MaxValue, _selected.MaxUid);
            for (var i = 0; i < messages.Count; i++)
            {
                if (set.Contains((uint)Math.Min(uint.MaxValue, messages[i].Uid), max)) indexes.Add(i);
            }
            return true;
        }
        var count = (uint)messages.Count;
        if (set.Highest(count) > count || (count == 0 && set.Ranges.Count > 0))
        {
            error = "no message has sequence number " + set.Highest(count) + " (there are " + count + ")";
            return false;
        }
        for (var i = 0; i < messages.Count; i++) if (set.Contains((uint)(i + 1), count)) indexes.Add(i);
        return true;
    }

    private async ValueTask<ImapOutcome> FetchAsync(ImapCommand command, bool byUid, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count < 2 || args[0].Kind != ImapValueKind.Atom) return await BadArgumentsAsync(command, "takes a set and data items", cancellationToken).ConfigureAwait(false);
        if (!FetchItem.TryParseList(args[1], out var items, out var error)) return await BadArgumentsAsync(command, error!, cancellationToken).ConfigureAwait(false);
        if (args.Count > 2) return await BadArgumentsAsync(command, "FETCH modifiers are not supported", cancellationToken).ConfigureAwait(false);
        if (!TryResolve(args[0].Text, byUid, out var indexes, out error)) return await BadArgumentsAsync(command, error!, cancellationToken).ConfigureAwait(false);
        if (byUid && !items.Any(i => i.Kind == FetchItemKind.Uid)) items.Insert(0, new FetchItem(FetchItemKind.Uid));
        var setsSeen = !_selected!.ReadOnly && items.Any(i => i.SetsSeen);
        var wantsFlags = items.Any(i => i.Kind == FetchItemKind.Flags);
        var gone = false;
        foreach (var index in indexes)
        {
            var summary = _selected.Messages[index];
            var nowSeen = false;
            if (setsSeen && (summary.Flags & MailFlags.Seen) == 0)
            {
                summary = await _store.SetFlagsAsync(summary.Id, new MailFlagChange(Add: MailFlags.Seen), cancellationToken).ConfigureAwait(false) ?? summary;
                _selected.Messages[index] = summary;
                nowSeen = true;
            }
            // A FETCH that sets \Seen tells the client the new flags (RFC 9051 section 6.4.5).
            if (!await WriteFetchAsync(index + 1, summary, items, appendFlags: nowSeen && !wantsFlags, cancellationToken).ConfigureAwait(false)) gone = true;
            if (Connection.Writer.UnflushedBytes >= FlushEvery) await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        if (gone)
        {
            Untagged(Commands[command.Name].AllowExpunge, byUid);
            return await NoAsync(command, "[EXPUNGEISSUED] Some of the requested messages no longer exist", cancellationToken).ConfigureAwait(false);
        }
        return await OkAsync(command, command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one <c>* n FETCH (...)</c>; false when the message is gone from the store (its parts are NIL).</summary>
    private async ValueTask<bool> WriteFetchAsync(int sequence, MailSummary summary, List<FetchItem> items, bool appendFlags, CancellationToken cancellationToken)
    {
        var present = true;
        MessageInfo? info = null;
        if (items.Any(i => i.Kind is FetchItemKind.Envelope or FetchItemKind.BodyStructure or FetchItemKind.Body or FetchItemKind.Section))
        {
            info = await GetInfoAsync(summary, cancellationToken).ConfigureAwait(false);
            present = info is not null;
        }
        var w = W;
        w.Raw("* ").Number(sequence).Raw(" FETCH (");
        var first = true;
        foreach (var item in items)
        {
            if (!first) w.Space();
            first = false;
            if (item.Kind != FetchItemKind.Flags) w.Raw(item.ResponseName).Space();
            switch (item.Kind)
            {
                case FetchItemKind.Uid: w.Number(summary.Uid); break;
                case FetchItemKind.Flags: ImapFormat.Flags(w, summary); break;
                case FetchItemKind.InternalDate: w.Raw("\"").Raw(ImapFormat.DateTime(summary.ReceivedAt)).Raw("\""); break;
                case FetchItemKind.Size: w.Number(summary.Size); break;
                case FetchItemKind.Envelope: if (info is null) w.Nil(); else w.Raw(info.Envelope); break;
                case FetchItemKind.BodyStructure: if (info is null) w.Nil(); else w.Raw(info.BodyStructure); break;
                case FetchItemKind.Body: if (info is null) w.Nil(); else w.Raw(info.Body); break;
                case FetchItemKind.Section:
                    if (info is null || !await WriteSectionAsync(summary, info, item, cancellationToken).ConfigureAwait(false)) w.Nil();
                    break;
            }
        }
        if (appendFlags) ImapFormat.Flags(w.Space(), summary);
        w.Raw(")").Crlf();
        return present;
    }

    /// <summary>The message's structure, from the cache or parsed from the store; null when the message is gone.</summary>
    private async ValueTask<MessageInfo?> GetInfoAsync(MailSummary summary, CancellationToken cancellationToken)
    {
        if (_server.Cache.TryGet(summary.Id, out var cached)) return cached;
        var raw = await ReadRawAsync(summary, cancellationToken).ConfigureAwait(false);
        if (raw is null) return null;
        var info = MessageInfo.Build(raw);
        _server.Cache.Add(summary.Id, info);
        return info;
    }

    private async ValueTask<byte[]?> ReadRawAsync(MailSummary summary, CancellationToken cancellationToken)
    {
        var stream = await _store.OpenRawAsync(summary.Id, cancellationToken).ConfigureAwait(false);
        if (stream is null) return null;
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream((int)Math.Min(summary.Size + 16, int.MaxValue / 2));
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    /// <summary>Writes BODY[section]&lt;partial&gt; as a literal straight from the store's stream; false when the part does not exist.</summary>
    private async ValueTask<bool> WriteSectionAsync(MailSummary summary, MessageInfo info, FetchItem item, CancellationToken cancellationToken)
    {
        var section = item.Section!;
        if (!SectionLocator.TryLocate(info.Tree, section, out var start, out var length))
        {
            W.Raw("\"\"");
            return true;
        }
        var stream = await _store.OpenRawAsync(summary.Id, cancellationToken).ConfigureAwait(false);
        if (stream is null) return false;
        await using (stream.ConfigureAwait(false))
        {
            if (section.Kind is SectionKind.HeaderFields or SectionKind.HeaderFieldsNot)
            {
                var header = new byte[length];
                await SkipAsync(stream, start, cancellationToken).ConfigureAwait(false);
                await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
                var filtered = SectionLocator.FilterHeader(header, section.Fields, section.Kind == SectionKind.HeaderFieldsNot);
                var (s, n) = Partial(filtered.Length, item);
                W.Literal(filtered.AsSpan((int)s, (int)n));
                return true;
            }
            var (offset, count) = Partial(length, item);
            W.LiteralHeader(count);
            await SkipAsync(stream, start + offset, cancellationToken).ConfigureAwait(false);
            await CopyAsync(stream, count, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private static (long Start, long Count) Partial(long length, FetchItem item)
    {
        if (item.PartialStart is not { } start) return (0, length);
        if (start >= length) return (length, 0);
        return (start, Math.Min(length - start, item.PartialLength!.Value));
    }

    private static async ValueTask SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        if (count == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (count > 0)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
                if (n == 0) throw new IOException("the stored message is shorter than its structure says");
                count -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies <paramref name="count"/> bytes of the stored message into the response, flushing as it goes.</summary>
    private async ValueTask CopyAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var output = Connection.Writer.Buffer;
        while (count > 0)
        {
            var memory = output.GetMemory((int)Math.Min(count, 16 * 1024));
            var n = await stream.ReadAsync(memory[..(int)Math.Min(memory.Length, count)], cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new IOException("the stored message is shorter than its structure says");
            output.Advance(n);
            count -= n;
            if (Connection.Writer.UnflushedBytes >= FlushEvery) await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
