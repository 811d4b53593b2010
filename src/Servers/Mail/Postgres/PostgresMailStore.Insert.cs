using System.Data.Common;
using Npgsql;
using Protocols.Servers.Mail.Sql;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Servers.Mail.Postgres;

public sealed partial class PostgresMailStore
{
    /// <summary>
    /// The whole batch in one statement, one round trip: the messages as arrays (unnest, in batch order, so UIDs ascend
    /// with it; an id repeated in the batch or already stored is left out), and from the rows inserted, their bodies,
    /// their recipient views and those views' UIDNEXT.
    /// </summary>
    private const string InsertBatchSql = """
        WITH input AS (
            SELECT DISTINCT ON (id) * FROM unnest(@id, @received, @efrom, @eto, @hfrom, @hto, @hcc, @subject, @date, @size, @html,
                @attachments, @flags, @client, @helo, @tls, @auth, @transcript, @words, @raw) WITH ORDINALITY
                AS t(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size, has_html,
                     attachments, flags, client_address, helo, tls, auth_user, transcript, words, raw, ord)
            ORDER BY id, ord),
        added AS (
            INSERT INTO messages(id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
                has_html, attachments, flags, client_address, helo, tls, auth_user, keywords, transcript, words)
            SELECT id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date, size,
                has_html, attachments, flags, client_address, helo, tls, auth_user, '', transcript, CAST(words AS tsvector)
            FROM input ORDER BY ord
            ON CONFLICT(id) DO NOTHING RETURNING uid, id),
        body AS (
            INSERT INTO bodies(uid, raw) SELECT a.uid, i.raw FROM added a JOIN input i USING(id)),
        views AS (
            SELECT r.mailbox, a.uid FROM unnest(@rmailbox, @rord) AS r(mailbox, ord) JOIN input i USING(ord) JOIN added a USING(id)),
        recipient AS (
            INSERT INTO recipients(mailbox, uid) SELECT mailbox, uid FROM views ON CONFLICT DO NOTHING),
        view_next AS (
            INSERT INTO mailboxes(name, uidnext) SELECT mailbox, max(uid) + 1 FROM views GROUP BY mailbox
            ON CONFLICT(name) DO UPDATE SET uidnext = GREATEST(mailboxes.uidnext, excluded.uidnext))
        SELECT uid, id FROM added
        """;

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
            var byId = new Dictionary<string, long>(n, StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
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
