using System.Data.Common;

namespace Protocols.Servers.Mail.Sql;

public abstract partial class SqlMailStore
{
    /// <summary>A message ready to commit: parsed, and its file (when large) already flushed.</summary>
    private sealed record Prepared(string Id, MailToAppend Mail, MailDigest Digest, string? File);

    public async ValueTask<MailSummary> AppendAsync(MailToAppend mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var id = MailIds.Check(mail.Id) ?? MailIds.New();
        var digest = MailDigest.Create(mail.Raw, mail.EnvelopeFrom, mail.EnvelopeTo);
        string? file = null;
        if (FilesDirectory is { } directory && mail.Raw.Length > InlineLimit)
        {
            file = id + ".eml";
            await WriteFileAsync(Path.Combine(directory, file), mail.Raw, cancellationToken).ConfigureAwait(false);
        }
        MailSummary? stored;
        try
        {
            stored = await _commits.RunAsync(new Prepared(id, mail, digest, file), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Writes a new file (never over an existing one) and flushes it to disk before its row is committed.</summary>
    private async Task WriteFileAsync(string path, ReadOnlyMemory<byte> raw, CancellationToken cancellationToken)
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
                PreallocationSize = raw.Length,
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
                await stream.WriteAsync(raw, cancellationToken).ConfigureAwait(false);
                if (Durable) stream.Flush(flushToDisk: true);
            }
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

    /// <summary>The insert of a summary row, returning its UID (nothing when the id is taken).</summary>
    private protected virtual string InsertSql => """
        INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
            has_html, attachments, flags, client_address, helo, tls, auth_user, body_file, keywords, transcript)
        VALUES(@id, @received, @efrom, @eto, @hfrom, @hto, @hcc, @subject, @date, @size, @html, @attachments, @flags,
            @client, @helo, @tls, @auth, @file, '', @transcript)
        ON CONFLICT(id) DO NOTHING RETURNING uid
        """;

    private const string RecipientSql = """
        INSERT INTO recipients(mailbox, uid) VALUES(@m, @uid) ON CONFLICT DO NOTHING;
        INSERT INTO mailboxes(name, uidnext) VALUES(@m, @next) ON CONFLICT(name) DO UPDATE SET uidnext = excluded.uidnext
        """;

    /// <summary>One transaction, one flush, for every message waiting.</summary>
    private async Task<IReadOnlyList<MailSummary?>> CommitAsync(IReadOnlyList<Prepared> batch, CancellationToken cancellationToken)
    {
        var results = new MailSummary?[batch.Count];
        List<Gone> pruned = [];
        await WriteAsync(async (connection, transaction, cancellationToken) =>
        {
            await BeginWriteAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var insert = WriterCommand(connection, transaction, InsertSql);
            var recipient = WriterCommand(connection, transaction, RecipientSql);
            long last = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                var (id, mail, digest, file) = batch[i];
                Bind(insert, id, mail, digest, file);
                if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } value || value is DBNull) continue;
                var uid = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                last = uid;
                if (file is null) await WriteBodyAsync(connection, transaction, uid, mail.Raw, cancellationToken).ConfigureAwait(false);
                await IndexAsync(connection, transaction, uid, digest, cancellationToken).ConfigureAwait(false);
                foreach (var mailbox in mail.EnvelopeTo.Select(MailIds.Mailbox).Distinct(StringComparer.Ordinal))
                {
                    if (mailbox == MailQuery.Inbox) continue;
                    Set(recipient, "@m", mailbox);
                    Set(recipient, "@uid", uid);
                    Set(recipient, "@next", uid + 1);
                    await recipient.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                results[i] = new MailSummary(id, uid, mail.ReceivedAt, mail.EnvelopeFrom, mail.EnvelopeTo, digest.From, digest.To, digest.Cc,
                    digest.Subject, digest.Date, mail.Raw.Length, digest.HasHtml, digest.AttachmentCount, mail.Flags, []);
            }
            if (last > 0)
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
        AfterPrune(pruned);
        foreach (var summary in results)
        {
            if (summary is not null) Raise(new MailChange(MailChangeKind.Added, summary.Id, summary.Uid, summary));
        }
        return results;
    }

    private void Bind(DbCommand insert, string id, MailToAppend mail, MailDigest digest, string? file)
    {
        Set(insert, "@id", id);
        Set(insert, "@received", mail.ReceivedAt.ToUnixTimeMilliseconds());
        Set(insert, "@efrom", mail.EnvelopeFrom);
        Set(insert, "@eto", string.Join('\n', mail.EnvelopeTo));
        Set(insert, "@hfrom", digest.From);
        Set(insert, "@hto", digest.To);
        Set(insert, "@hcc", digest.Cc);
        Set(insert, "@subject", digest.Subject);
        Set(insert, "@date", digest.Date);
        Set(insert, "@size", (long)mail.Raw.Length);
        Set(insert, "@html", digest.HasHtml ? 1 : 0);
        Set(insert, "@attachments", digest.AttachmentCount);
        Set(insert, "@flags", (int)mail.Flags);
        Set(insert, "@client", mail.Session.ClientAddress);
        Set(insert, "@helo", mail.Session.HeloName);
        Set(insert, "@tls", mail.Session.Tls ? 1 : 0);
        Set(insert, "@auth", mail.Session.AuthenticatedUser);
        Set(insert, "@file", file);
        Set(insert, "@transcript", mail.Session.Transcript);
        BindIndex(insert, digest);
    }

    /// <summary>Binds what an engine indexes in the row itself (PostgreSQL's tsvector); SQLite indexes in a table of its own.</summary>
    private protected virtual void BindIndex(DbCommand insert, MailDigest digest) { }
}
