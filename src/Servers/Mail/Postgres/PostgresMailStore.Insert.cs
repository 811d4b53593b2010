using System.Data.Common;
using Npgsql;
using Protocols.Servers.Mail.Sql;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Servers.Mail.Postgres;

public sealed partial class PostgresMailStore
{
    /// <summary>
    /// The whole batch in one round trip: first the INBOX row lock that appends of every instance take in turn (so a
    /// UID is never committed after a larger one), then one statement of the messages as arrays (unnest, in batch order,
    /// so UIDs ascend with it; an id repeated in the batch or already stored is left out), and from the rows inserted,
    /// their bodies, words, recipient views, the UIDNEXT of the INBOX and of those views, and the other instances'
    /// notice of them (pg_notify, delivered at commit; lines of "instance kind uid id", at most 100 to a notice so
    /// one stays under PostgreSQL's 8000 bytes).
    /// </summary>
    private const string InsertBatchSql = """
        SELECT uidnext FROM mailboxes WHERE name = 'INBOX' FOR UPDATE;
        WITH input AS (
            SELECT DISTINCT ON (id) * FROM unnest(@id, @received, @efrom, @eto, @hfrom, @hto, @hcc, @subject, @date, @size, @html,
                @attachments, @flags, @client, @helo, @tls, @auth, @transcript, @words, @raw) WITH ORDINALITY
                AS t(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size, has_html,
                     attachments, flags, client_address, helo, tls, auth_user, transcript, words, raw, ord)
            ORDER BY id, ord),
        added AS (
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
                has_html, attachments, flags, client_address, helo, tls, auth_user, keywords, transcript)
            SELECT id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
                has_html, attachments, flags, client_address, helo, tls, auth_user, '', transcript
            FROM input ORDER BY ord
            ON CONFLICT(id) DO NOTHING RETURNING uid, id),
        body AS (
            INSERT INTO bodies(uid, raw) SELECT a.uid, i.raw FROM added a JOIN input i USING(id)),
        text AS (
            INSERT INTO message_words(uid, words) SELECT a.uid, CAST(i.words AS tsvector) FROM added a JOIN input i USING(id)),
        views AS (
            SELECT r.mailbox, a.uid FROM unnest(@rmailbox, @rord) AS r(mailbox, ord) JOIN input i USING(ord) JOIN added a USING(id)),
        recipient AS (
            INSERT INTO recipients(mailbox, uid) SELECT mailbox, uid FROM views ON CONFLICT DO NOTHING),
        view_next AS (
            INSERT INTO mailboxes(name, uidnext) SELECT mailbox, max(uid) + 1 FROM views GROUP BY mailbox
            ON CONFLICT(name) DO UPDATE SET uidnext = GREATEST(mailboxes.uidnext, excluded.uidnext)),
        inbox_next AS (
            UPDATE mailboxes SET uidnext = (SELECT max(uid) + 1 FROM added) WHERE name = 'INBOX' AND EXISTS (SELECT 1 FROM added)),
        notices AS (
            SELECT count(pg_notify('proto_mail', lines)) AS n FROM (
                SELECT string_agg(@instance || ' 0 ' || uid || ' ' || id, E'\n' ORDER BY uid) AS lines
                FROM (SELECT uid, id, (row_number() OVER (ORDER BY uid) - 1) / 100 AS chunk FROM added) c GROUP BY chunk) g)
        SELECT uid, id FROM added, notices
        """;

    private protected override bool InsertSetsUidNext => true;

    private protected override string IndexWords(MailDigest digest) =>
        PostgresText.Vector(MailSqlFilter.Words(string.Join(' ', digest.Subject, digest.Addresses, digest.Text)));

    private protected override async Task<long[]> InsertBatchAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<Prepared> batch,
        CancellationToken cancellationToken)
    {
        var n = batch.Count;
        var command = new NpgsqlCommand(InsertBatchSql, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        await using (command.ConfigureAwait(false))
        {
            void Add<T>(string name, Func<Prepared, T> value) => command.Parameters.Add(new NpgsqlParameter<T[]>(name, batch.Select(value).ToArray()));
            Add("id", p => p.Id);
            Add("received", p => p.Mail.ReceivedAt.ToUnixTimeMilliseconds());
            Add("efrom", p => p.Mail.EnvelopeFrom);
            Add("eto", p => string.Join('\n', p.Mail.EnvelopeTo));
            Add("hfrom", p => p.Digest.From);
            Add("hto", p => p.Digest.To);
            Add("hcc", p => p.Digest.Cc);
            Add("subject", p => p.Digest.Subject);
            Add("date", p => p.Digest.Date);
            Add("size", p => p.Mail.Size);
            Add("html", p => p.Digest.HasHtml ? 1 : 0);
            Add("attachments", p => p.Digest.AttachmentCount);
            Add("flags", p => (int)p.Mail.Flags);
            Add("client", p => p.Mail.Session.ClientAddress);
            Add("helo", p => p.Mail.Session.HeloName);
            Add("tls", p => p.Mail.Session.Tls ? 1 : 0);
            Add("auth", p => p.Mail.Session.AuthenticatedUser);
            Add("transcript", p => p.Mail.Session.Transcript);
            Add("words", p => p.Words);
            Add("raw", p => SqliteMailStore.WholeArray(p.Mail.Raw)); // a spooled message is read from its file here
            var views = batch.SelectMany((p, i) => p.Mail.EnvelopeTo.Select(MailIds.Mailbox).Distinct(StringComparer.Ordinal)
                .Where(m => m != MailQuery.Inbox).Select(m => (Mailbox: m, Ord: i + 1L))).ToArray();
            command.Parameters.Add(new NpgsqlParameter<string[]>("rmailbox", [.. views.Select(v => v.Mailbox)]));
            command.Parameters.Add(new NpgsqlParameter<long[]>("rord", [.. views.Select(v => v.Ord)]));
            command.Parameters.Add(new NpgsqlParameter<string>("instance", _instance));
            var byId = new Dictionary<string, long>(n, StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false); // past the lock's row
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) byId[reader.GetString(1)] = reader.GetInt64(0);
            }
            var uids = new long[n];
            for (var i = 0; i < n; i++)
            {
                // The first of a repeated id is the one inserted (DISTINCT ON keeps the lowest ord); later ones get 0.
                if (byId.Remove(batch[i].Id, out var uid)) uids[i] = uid;
            }
            return uids;
        }
    }
}
