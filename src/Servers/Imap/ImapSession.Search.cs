using MimeKit;

namespace Protocols.Servers.Imap;

internal sealed partial class ImapSession
{
    private async ValueTask<ImapOutcome> SearchAsync(ImapCommand command, bool byUid, CancellationToken cancellationToken)
    {
        if (!SearchParser.TryParse(command.Arguments, out var request, out var error)) return await BadArgumentsAsync(command, error!, cancellationToken).ConfigureAwait(false);
        if (request.Charset is { } charset && !charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
            return await NoAsync(command, "[BADCHARSET (UTF-8 US-ASCII)] unsupported charset", cancellationToken).ConfigureAwait(false);
        var selected = _selected!;
        var messages = selected.Messages;
        var maxSequence = (uint)messages.Count;
        var maxUid = (uint)Math.Min(uint.MaxValue, selected.MaxUid);
        var needsMessage = SearchEvaluator.NeedsMessage(request.Key);
        var found = new List<uint>();
        for (var i = 0; i < messages.Count; i++)
        {
            var summary = messages[i];
            MimeMessage? parsed = null;
            if (needsMessage)
            {
                var raw = await ReadRawAsync(summary, cancellationToken).ConfigureAwait(false);
                if (raw is null) continue;
                using var stream = new MemoryStream(raw, writable: false);
                parsed = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            if (SearchEvaluator.Matches(request.Key, new SearchTarget((uint)(i + 1), summary, parsed), maxSequence, maxUid))
                found.Add(byUid ? (uint)summary.Uid : (uint)(i + 1));
        }
        var w = W;
        var returns = request.Return ?? (_rev2 ? new HashSet<string>(["ALL"]) : null);
        if (returns is null)
        {
            w.Raw("* SEARCH");
            foreach (var n in found) w.Space().Number(n);
            w.Crlf();
        }
        else
        {
            w.Raw("* ESEARCH (TAG ").String(command.Tag).Raw(")");
            if (byUid) w.Raw(" UID");
            if (found.Count > 0)
            {
                if (returns.Contains("MIN")) w.Raw(" MIN ").Number(found[0]);
                if (returns.Contains("MAX")) w.Raw(" MAX ").Number(found[^1]);
                if (returns.Contains("ALL")) w.Raw(" ALL ").Raw(SequenceSet.Format(found));
            }
            if (returns.Contains("COUNT")) w.Raw(" COUNT ").Number(found.Count);
            w.Crlf();
        }
        return await OkAsync(command, command.Name + " completed", cancellationToken).ConfigureAwait(false);
    }
}
