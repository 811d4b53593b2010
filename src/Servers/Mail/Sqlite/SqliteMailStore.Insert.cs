using System.Data.Common;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Protocols.Servers.Mail.Sql;

namespace Protocols.Servers.Mail.Sqlite;

public sealed partial class SqliteMailStore
{
    /// <summary>Bodies up to this size are bound as one parameter (one prepared statement, reused); larger ones are
    /// written through a blob handle so no second copy of a big message is made.</summary>
    private const int BoundBodyLimit = 256 * 1024;

    private const string InsertSql = """
        INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
            has_html, attachments, flags, client_address, helo, tls, auth_user, body_file, keywords, transcript)
        VALUES(@id, @received, @efrom, @eto, @hfrom, @hto, @hcc, @subject, @date, @size, @html, @attachments, @flags,
            @client, @helo, @tls, @auth, @file, '', @transcript)
        ON CONFLICT(id) DO NOTHING RETURNING uid
        """;

    private const string RecipientSql = "INSERT INTO recipients(mailbox, uid) VALUES(@m, @uid) ON CONFLICT DO NOTHING";

    private const string TotalsSql = "UPDATE totals SET messages = messages + @messages, bytes = bytes + @bytes";

    private const string MailboxSql = "INSERT INTO mailboxes(name, uidnext) VALUES(@m, @next) ON CONFLICT(name) DO UPDATE SET uidnext = excluded.uidnext";

    /// <summary>Row by row with statements compiled once on the writer: in-process SQLite has no round trip to save. What
    /// sums over the batch (the totals, each recipient mailbox's UIDNEXT) is written once per batch. The full-text rows
    /// follow in a transaction of their own (SqliteMailStore.Index.cs).</summary>
    private protected override async Task<long[]> InsertBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Prepared> batch,
        CancellationToken cancellationToken)
    {
        CheckIndexKeepsUp();
        var uids = new long[batch.Count];
        var insert = WriterCommand(connection, transaction, InsertSql);
        var recipient = WriterCommand(connection, transaction, RecipientSql);
        Dictionary<string, long>? mailboxes = null;
        long stored = 0, bytes = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var (id, mail, digest, file, _) = batch[i];
            Bind(insert, id, mail, digest, file);
            if (await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } value || value is DBNull) continue;
            var uid = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            uids[i] = uid;
            stored++;
            bytes += mail.Size;
            if (file is null) await WriteBodyAsync(connection, transaction, uid, mail.Content, cancellationToken).ConfigureAwait(false);
            foreach (var mailbox in mail.EnvelopeTo.Select(MailIds.Mailbox).Distinct(StringComparer.Ordinal))
            {
                if (mailbox == MailQuery.Inbox) continue;
                Set(recipient, "@m", mailbox);
                Set(recipient, "@uid", uid);
                await recipient.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                (mailboxes ??= new(StringComparer.Ordinal))[mailbox] = uid + 1;
            }
        }
        if (stored > 0)
        {
            var totals = WriterCommand(connection, transaction, TotalsSql);
            Set(totals, "@messages", stored);
            Set(totals, "@bytes", bytes);
            await totals.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        if (mailboxes is not null)
        {
            var next = WriterCommand(connection, transaction, MailboxSql);
            foreach (var (mailbox, uidNext) in mailboxes)
            {
                Set(next, "@m", mailbox);
                Set(next, "@next", uidNext);
                await next.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        return uids;
    }

    private static void Bind(DbCommand insert, string id, MailToAppend mail, MailDigest digest, string? file)
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
        Set(insert, "@size", mail.Size);
        Set(insert, "@html", digest.HasHtml ? 1 : 0);
        Set(insert, "@attachments", digest.AttachmentCount);
        Set(insert, "@flags", (int)mail.Flags);
        Set(insert, "@client", mail.Session.ClientAddress);
        Set(insert, "@helo", mail.Session.HeloName);
        Set(insert, "@tls", mail.Session.Tls ? 1 : 0);
        Set(insert, "@auth", mail.Session.AuthenticatedUser);
        Set(insert, "@file", file);
        Set(insert, "@transcript", mail.Session.Transcript);
    }

    private async Task WriteBodyAsync(DbConnection connection, DbTransaction transaction, long uid, Smtp.MessageContent content,
        CancellationToken cancellationToken)
    {
        if (!content.IsSpooled && content.Length <= BoundBodyLimit)
        {
            var raw = content.Memory;
            var insert = WriterCommand(connection, transaction, "INSERT INTO bodies(uid, raw) VALUES(@uid, @raw)");
            Set(insert, "@uid", uid);
            Set(insert, "@raw", WholeArray(raw));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        // zeroblob, then the bytes through the blob handle: no second copy of the message in memory.
        var reserve = WriterCommand(connection, transaction, "INSERT INTO bodies(uid, raw) VALUES(@uid, zeroblob(@length))");
        Set(reserve, "@uid", uid);
        Set(reserve, "@length", content.Length);
        await reserve.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        using var blob = new SqliteBlob((SqliteConnection)connection, "bodies", "raw", uid);
        if (!content.IsSpooled)
        {
            blob.Write(content.Memory.Span);
            return;
        }
        var source = content.OpenRead(); // a spooled message below the inline limit: streamed, not loaded
        await using (source.ConfigureAwait(false)) await source.CopyToAsync(blob, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The bytes as an array of exactly their length: the array itself when <paramref name="raw"/> is one (the
    /// SMTP server's case), else a copy.</summary>
    internal static byte[] WholeArray(ReadOnlyMemory<byte> raw) =>
        MemoryMarshal.TryGetArray(raw, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : raw.ToArray();
}
