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
            has_html, attachments, flags, client_address, helo, tls, auth_user, body_file, keywords, transcript, uid)
        VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, '', ?19, ?20)
        ON CONFLICT(id) DO NOTHING RETURNING uid
        """;

    /// <summary>The next UID (schema 6: the writer gives them, in the transaction, from the INBOX's UIDNEXT).</summary>
    private const string NextUidSql = "SELECT uidnext FROM mailboxes WHERE name = 'INBOX'";

    /// <summary>Once per commit: the INBOX's UIDNEXT and the totals, one row (one page).</summary>
    private const string InboxSql = "UPDATE mailboxes SET uidnext = ?1, messages = messages + ?2, bytes = bytes + ?3 WHERE name = 'INBOX'";

    private const string BodySql = "INSERT INTO bodies(uid, raw) VALUES(?1, ?2)";

    private const string RecipientSql = "INSERT INTO recipients(mailbox, uid) VALUES(?1, ?2) ON CONFLICT DO NOTHING";

    /// <summary>The per-message statements, compiled on first use and kept for the writer's life (closed before it).</summary>
    private SqliteStatement? _insert, _body, _recipient, _nextUid, _inbox, _mailbox;

    private const string MailboxSql = "INSERT INTO mailboxes(name, uidnext) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET uidnext = excluded.uidnext";

    private protected override bool InsertSetsUidNext => true;

    /// <summary>Row by row with statements compiled once on the writer: in-process SQLite has no round trip to save. What
    /// sums over the batch (the INBOX's UIDNEXT with the totals, each recipient mailbox's UIDNEXT) is written once per batch. The full-text rows
    /// follow in a transaction of their own (SqliteMailStore.Index.cs).</summary>
    private protected override async Task<long[]> InsertBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Prepared> batch,
        CancellationToken cancellationToken)
    {
        CheckIndexKeepsUp();
        var uids = new long[batch.Count];
        var sqlite = (SqliteConnection)connection;
        var insert = _insert ??= new SqliteStatement(sqlite, InsertSql);
        var next = (_nextUid ??= new SqliteStatement(sqlite, NextUidSql)).Run() ?? throw new MailStoreException("the mail store has no INBOX row");
        Dictionary<string, long>? mailboxes = null;
        long stored = 0, bytes = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var (_, mail, _, file, _) = batch[i];
            Bind(insert, batch[i]);
            insert.Bind(20, next);
            if (insert.Run() is not { } uid) continue; // the id is stored already: the UID stays for the next message
            next = uid + 1;
            uids[i] = uid;
            stored++;
            bytes += mail.Size;
            if (file is null) await WriteBodyAsync(connection, transaction, uid, mail.Content, cancellationToken).ConfigureAwait(false);
            foreach (var to in mail.EnvelopeTo)
            {
                var mailbox = MailIds.Mailbox(to);
                if (mailbox == MailQuery.Inbox || (mailboxes is not null && mailboxes.TryGetValue(mailbox, out var last) && last == uid + 1)) continue;
                var recipient = _recipient ??= new SqliteStatement(sqlite, RecipientSql);
                recipient.Bind(1, mailbox);
                recipient.Bind(2, uid);
                recipient.Run();
                (mailboxes ??= new(StringComparer.Ordinal))[mailbox] = uid + 1;
            }
        }
        if (stored > 0)
        {
            var inbox = _inbox ??= new SqliteStatement(sqlite, InboxSql);
            inbox.Bind(1, next);
            inbox.Bind(2, stored);
            inbox.Bind(3, bytes);
            inbox.Run();
        }
        if (mailboxes is not null)
        {
            var view = _mailbox ??= new SqliteStatement(sqlite, MailboxSql);
            foreach (var (mailbox, uidNext) in mailboxes)
            {
                view.Bind(1, mailbox);
                view.Bind(2, uidNext);
                view.Run();
            }
        }
        return uids;
    }

    private static void Bind(SqliteStatement insert, Prepared prepared)
    {
        var (id, mail, digest, file, _) = prepared;
        insert.Bind(1, id);
        insert.Bind(2, mail.ReceivedAt.ToUnixTimeMilliseconds());
        insert.Bind(3, mail.EnvelopeFrom);
        insert.Bind(4, string.Join('\n', mail.EnvelopeTo));
        insert.Bind(5, digest.From);
        insert.Bind(6, digest.To);
        insert.Bind(7, digest.Cc);
        insert.Bind(8, digest.Subject);
        insert.Bind(9, digest.Date);
        insert.Bind(10, mail.Size);
        insert.Bind(11, digest.HasHtml ? 1 : 0);
        insert.Bind(12, digest.AttachmentCount);
        insert.Bind(13, (long)mail.Flags);
        insert.Bind(14, mail.Session.ClientAddress);
        insert.Bind(15, mail.Session.HeloName);
        insert.Bind(16, mail.Session.Tls ? 1 : 0);
        insert.Bind(17, mail.Session.AuthenticatedUser);
        insert.Bind(18, file);
        insert.Bind(19, mail.Session.Transcript);
    }

    private async Task WriteBodyAsync(DbConnection connection, DbTransaction transaction, long uid, Smtp.MessageContent content,
        CancellationToken cancellationToken)
    {
        if (!content.IsSpooled && content.Length <= BoundBodyLimit)
        {
            var body = _body ??= new SqliteStatement((SqliteConnection)connection, BodySql);
            body.Bind(1, uid);
            body.Bind(2, content.Memory.Span);
            body.Run();
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
