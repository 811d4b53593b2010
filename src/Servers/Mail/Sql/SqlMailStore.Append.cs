using System.Data.Common;

namespace Protocols.Servers.Mail.Sql;

public abstract partial class SqlMailStore
{
    /// <summary>A message ready to commit: parsed, and its file (when large) already flushed.</summary>
    private protected sealed record Prepared(string Id, MailToAppend Mail, MailDigest Digest, string? File, string? Words);

    /// <summary>What the engine indexes for a message, made on the appending thread (in parallel across sessions) rather
    /// than in the one writer; null when the engine indexes <see cref="MailDigest"/> as it is.</summary>
    private protected virtual string? IndexWords(MailDigest digest) => null;

    /// <summary>Where the SMTP session spools a large message so the append can move it into place: the files directory.</summary>
    internal string? SpoolDirectory => FilesDirectory;

    public async ValueTask<MailSummary> AppendAsync(MailToAppend mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var id = MailIds.Check(mail.Id) ?? MailIds.New();
        var digest = MailDigest.Create(mail.Content, mail.EnvelopeFrom, mail.EnvelopeTo);
        string? file = null;
        if (FilesDirectory is { } directory && mail.Size > InlineLimit)
        {
            file = id + ".eml";
            var path = Path.Combine(directory, file);
            if (!MoveSpool(mail.Content, directory, path)) await WriteFileAsync(path, mail.Content, cancellationToken).ConfigureAwait(false);
        }
        MailSummary? stored;
        try
        {
            stored = await _commits.RunAsync(new Prepared(id, mail, digest, file, IndexWords(digest)), cancellationToken).ConfigureAwait(false);
        }
        catch when (file is not null)
        {
            DeleteFile(file);
            throw;
        }
        if (stored is null)
        {
            if (file is not null) DeleteFile(file);
            throw new MailStoreException($"a message with id {id} is already stored");
        }
        return stored;
    }

    /// <summary>A message the SMTP session spooled into the files directory becomes the message's file by a rename
    /// (flushed, then the directory flushed, when durable): its bytes are written once. False when it is not there.</summary>
    private bool MoveSpool(Smtp.MessageContent content, string directory, string path)
    {
        if (content.FilePath is not { } spool
            || !string.Equals(Path.GetDirectoryName(Path.GetFullPath(spool)), Path.GetFullPath(directory), StringComparison.Ordinal)) return false;
        try
        {
            return content.TryMoveTo(path, Durable);
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new MailStoreException($"a message with id {Path.GetFileNameWithoutExtension(path)} is already stored");
        }
        catch (IOException e)
        {
            throw new MailStoreException("cannot move the message file into place: " + e.Message, e);
        }
    }

    /// <summary>Writes a new file (never over an existing one) and flushes it to disk before its row is committed.</summary>
    private async Task WriteFileAsync(string path, Smtp.MessageContent content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                PreallocationSize = content.Length,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new MailStoreException($"a message with id {Path.GetFileNameWithoutExtension(path)} is already stored");
        }
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                if (content.IsSpooled)
                {
                    var source = content.OpenRead();
                    await using (source.ConfigureAwait(false)) await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                }
                else await stream.WriteAsync(content.Memory, cancellationToken).ConfigureAwait(false);
                if (Durable) stream.Flush(flushToDisk: true);
            }
            // The new name too, as the spool's move does: the file's data alone does not make its directory entry durable.
            if (Durable) FileSystem.DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
        catch (Exception e)
        {
            File.Delete(path);
            throw new MailStoreException("cannot write the message file: " + e.Message, e);
        }
    }

    private protected void DeleteFile(string name)
    {
        if (FilesDirectory is not { } directory) return;
        try
        {
            File.Delete(Path.Combine(directory, name));
        }
        catch (IOException)
        {
            // Held open elsewhere: its row is gone, so the next start sweeps it.
        }
    }

    /// <summary>Inserts the batch's summary rows, bodies (those not in files), words and recipient mailboxes in the open
    /// transaction. Returns one UID per message, in batch order, ascending; 0 where the id is already stored (or repeats
    /// one earlier in the batch).</summary>
    private protected abstract Task<long[]> InsertBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Prepared> batch,
        CancellationToken cancellationToken);

    /// <summary>One transaction, one flush, for every message waiting.</summary>
    private async Task<IReadOnlyList<MailSummary?>> CommitAsync(IReadOnlyList<Prepared> batch, CancellationToken cancellationToken)
    {
        var results = new MailSummary?[batch.Count];
        List<Gone> pruned = [];
        await WriteAsync(async (connection, transaction, cancellationToken) =>
        {
            var uids = await InsertBatchAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
            long last = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                if (uids[i] == 0) continue;
                var (id, mail, digest, _, _) = batch[i];
                last = uids[i];
                results[i] = new MailSummary(id, uids[i], mail.ReceivedAt, mail.EnvelopeFrom, mail.EnvelopeTo, digest.From, digest.To, digest.Cc,
                    digest.Subject, digest.Date, mail.Size, digest.HasHtml, digest.AttachmentCount, mail.Flags, []);
            }
            if (last > 0 && !InsertSetsUidNext)
            {
                var next = WriterCommand(connection, transaction, "UPDATE mailboxes SET uidnext = @next WHERE name = 'INBOX'");
                Set(next, "@next", last + 1);
                await next.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            pruned = await PruneAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var changes = results.Where(r => r is not null).Select(r => new MailChange(MailChangeKind.Added, r!.Id, r.Uid, r))
                .Concat(pruned.Select(p => new MailChange(MailChangeKind.Pruned, p.Id, p.Uid))).ToList();
            return changes;
        }, cancellationToken, "commit", whileDisposing: true).ConfigureAwait(false);
        Committed(batch, results);
        AfterPrune(pruned);
        foreach (var summary in results)
        {
            if (summary is not null) Raise(new MailChange(MailChangeKind.Added, summary.Id, summary.Uid, summary));
        }
        return results;
    }
}
