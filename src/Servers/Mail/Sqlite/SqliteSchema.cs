using Microsoft.Data.Sqlite;

namespace Protocols.Servers.Mail.Sqlite;

/// <summary>
/// The schema as versions applied in order (PRAGMA user_version says which are in); the file carries our
/// application_id, so a foreign SQLite database is refused instead of written into.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>"PRML" (proto mail), in PRAGMA application_id.</summary>
    public const int ApplicationId = 0x50524D4C;

    /// <summary>Version 1: messages, bodies, totals. Version 2: per-recipient mailboxes with their UIDNEXT, keywords and
    /// the session transcript, the full-text index (backfilled from the summaries of version 1 messages). Version 3: a
    /// covering index for the substring terms. Version 4: totals added by the writer, once per commit. Version 5: the
    /// full-text index written after the commits, up to meta.indexed_up_to. Version 6: the totals in the INBOX row, UIDs
    /// given by the writer instead of AUTOINCREMENT (two pages fewer per commit). Version 7: no delete trigger (the writer
    /// deletes what hangs on a message, a range for the oldest), no index of received_at nor of recipients by UID (two
    /// b-trees fewer per message), the pruned counts in the INBOX row.</summary>
    public static readonly string[] Versions =
    [
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE messages(
            uid INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            received_at INTEGER NOT NULL,
            envelope_from TEXT NOT NULL,
            envelope_to TEXT NOT NULL,
            header_from TEXT, header_to TEXT, header_cc TEXT, subject TEXT, date TEXT,
            size INTEGER NOT NULL, has_html INTEGER NOT NULL, attachments INTEGER NOT NULL,
            flags INTEGER NOT NULL DEFAULT 0,
            client_address TEXT, helo TEXT, tls INTEGER NOT NULL DEFAULT 0, auth_user TEXT,
            body_file TEXT);
        CREATE INDEX messages_received ON messages(received_at);
        CREATE INDEX messages_file ON messages(body_file) WHERE body_file IS NOT NULL;
        CREATE TABLE bodies(uid INTEGER PRIMARY KEY, raw BLOB NOT NULL);
        CREATE TABLE totals(one INTEGER PRIMARY KEY CHECK(one = 1), messages INTEGER NOT NULL, bytes INTEGER NOT NULL);
        INSERT INTO totals VALUES(1, 0, 0);
        CREATE TRIGGER messages_added AFTER INSERT ON messages BEGIN
            UPDATE totals SET messages = messages + 1, bytes = bytes + NEW.size; END;
        CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
            UPDATE totals SET messages = messages - 1, bytes = bytes - OLD.size;
            DELETE FROM bodies WHERE uid = OLD.uid; END;
        """,
        """
        ALTER TABLE messages ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
        ALTER TABLE messages ADD COLUMN transcript TEXT;
        CREATE TABLE mailboxes(name TEXT PRIMARY KEY, uidnext INTEGER NOT NULL);
        CREATE TABLE recipients(mailbox TEXT NOT NULL, uid INTEGER NOT NULL, PRIMARY KEY(mailbox, uid)) WITHOUT ROWID;
        CREATE INDEX recipients_uid ON recipients(uid);
        INSERT INTO mailboxes VALUES('INBOX', COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0) + 1);
        CREATE VIRTUAL TABLE search USING fts5(subject, addresses, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
        INSERT INTO search(rowid, subject, addresses, body)
            SELECT uid, COALESCE(subject, ''), envelope_from || ' ' || envelope_to || ' ' || COALESCE(header_from, '') || ' ' || COALESCE(header_to, ''), ''
            FROM messages;
        DROP TRIGGER messages_gone;
        CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
            UPDATE totals SET messages = messages - 1, bytes = bytes - OLD.size;
            DELETE FROM bodies WHERE uid = OLD.uid;
            DELETE FROM recipients WHERE uid = OLD.uid;
            DELETE FROM search WHERE rowid = OLD.uid; END;
        """,
        // Version 3: from:, to: and subject: are substring matches, so they scan; this index holds every column they
        // look at, so the count of matches reads it (about a tenth of the summary rows, which carry the transcript)
        // instead of the table: 100,000 messages counted in about 10 ms instead of 100-300.
        """
        CREATE INDEX messages_text ON messages(subject, envelope_from, header_from, envelope_to, header_to, header_cc);
        """,
        // Version 4: the totals move once per commit (the writer adds its batch) instead of by a trigger per inserted row.
        """
        DROP TRIGGER messages_added;
        """,
        // Version 5: the full-text rows follow the commits (SqliteMailStore.Index.cs); indexed_up_to is the UID up to which
        // they are written, so a message deleted before its rows were written has none to delete.
        """
        INSERT INTO meta VALUES('indexed_up_to', COALESCE((SELECT max(uid) FROM messages), 0));
        DROP TRIGGER messages_gone;
        CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
            UPDATE totals SET messages = messages - 1, bytes = bytes - OLD.size;
            DELETE FROM bodies WHERE uid = OLD.uid;
            DELETE FROM recipients WHERE uid = OLD.uid;
            DELETE FROM search WHERE rowid = OLD.uid AND OLD.uid <= (SELECT value FROM meta WHERE key = 'indexed_up_to'); END;
        """,
        // Version 6: two fewer pages written per commit. The totals are columns of the INBOX row of mailboxes (written by
        // every commit anyway, for its UIDNEXT), and `totals` a view of them; messages.uid is no longer AUTOINCREMENT (which
        // wrote sqlite_sequence in every commit): the writer gives each message the INBOX's UIDNEXT, so a UID is still never
        // used twice, after a delete or a clear either. The table is rebuilt for it, rows, UIDs and indexes as they were.
        """
        ALTER TABLE mailboxes ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE mailboxes ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE mailboxes SET messages = (SELECT messages FROM totals), bytes = (SELECT bytes FROM totals),
            uidnext = max(uidnext, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0) + 1,
                COALESCE((SELECT max(uid) FROM messages), 0) + 1)
            WHERE name = 'INBOX';
        DROP TABLE totals;
        CREATE VIEW totals AS SELECT messages, bytes FROM mailboxes WHERE name = 'INBOX';
        CREATE TABLE messages_v6(
            uid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            received_at INTEGER NOT NULL,
            envelope_from TEXT NOT NULL,
            envelope_to TEXT NOT NULL,
            header_from TEXT, header_to TEXT, header_cc TEXT, subject TEXT, date TEXT,
            size INTEGER NOT NULL, has_html INTEGER NOT NULL, attachments INTEGER NOT NULL,
            flags INTEGER NOT NULL DEFAULT 0,
            client_address TEXT, helo TEXT, tls INTEGER NOT NULL DEFAULT 0, auth_user TEXT,
            body_file TEXT,
            keywords TEXT NOT NULL DEFAULT '',
            transcript TEXT);
        INSERT INTO messages_v6 SELECT uid, id, received_at, envelope_from, envelope_to, header_from, header_to, header_cc, subject, date,
            size, has_html, attachments, flags, client_address, helo, tls, auth_user, body_file, keywords, transcript FROM messages ORDER BY uid;
        DROP TABLE messages;
        ALTER TABLE messages_v6 RENAME TO messages;
        DELETE FROM sqlite_sequence WHERE name = 'messages';
        CREATE INDEX messages_received ON messages(received_at);
        CREATE INDEX messages_file ON messages(body_file) WHERE body_file IS NOT NULL;
        CREATE INDEX messages_text ON messages(subject, envelope_from, header_from, envelope_to, header_to, header_cc);
        CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
            UPDATE mailboxes SET messages = messages - 1, bytes = bytes - OLD.size WHERE name = 'INBOX';
            DELETE FROM bodies WHERE uid = OLD.uid;
            DELETE FROM recipients WHERE uid = OLD.uid;
            DELETE FROM search WHERE rowid = OLD.uid AND OLD.uid <= (SELECT value FROM meta WHERE key = 'indexed_up_to'); END;
        """,
        // Version 7: fewer b-trees and statements per message. The delete trigger ran four statements for every deleted row
        // (with --keep, every commit prunes as many as it adds); the writer now deletes bodies, views, index rows and the
        // totals itself, the oldest by range (SqliteMailStore.Delete.cs). received_at's index was read only by --max-age
        // (now from the oldest UID: UIDs follow arrival) and before:/after: (now a scan, as is:unread is). recipients_uid was
        // read only by the trigger: a delete names each view's (mailbox, uid), the primary key. The pruned counts move into
        // the INBOX row (meta's page was one more written by every commit that pruned).
        """
        DROP TRIGGER messages_gone;
        DROP INDEX messages_received;
        DROP INDEX recipients_uid;
        ALTER TABLE mailboxes ADD COLUMN pruned_messages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE mailboxes ADD COLUMN pruned_bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE mailboxes SET pruned_messages = COALESCE((SELECT value FROM meta WHERE key = 'pruned_messages'), 0),
            pruned_bytes = COALESCE((SELECT value FROM meta WHERE key = 'pruned_bytes'), 0) WHERE name = 'INBOX';
        DELETE FROM meta WHERE key IN ('pruned_messages', 'pruned_bytes');
        """,
    ];

    /// <summary>Checks the file is ours (or new), then applies the versions it lacks, each in its own transaction.</summary>
    public static void Apply(SqliteConnection connection, string path, int upTo = -1)
    {
        var target = upTo < 0 ? Versions.Length : upTo;
        var applicationId = Scalar(connection, "PRAGMA application_id");
        var version = Scalar(connection, "PRAGMA user_version");
        var tables = Scalar(connection, "SELECT count(*) FROM sqlite_schema");
        if (applicationId != ApplicationId && (applicationId != 0 || version != 0 || tables != 0))
            throw new MailStoreException($"{path} is not a proto mail store (a SQLite database of something else); use another --store");
        if (version > Versions.Length)
            throw new MailStoreException($"{path} has schema version {version}, newer than this proto knows ({Versions.Length}); use a newer proto");
        for (var v = (int)version; v < target; v++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Versions[v] + $"\nPRAGMA application_id = {ApplicationId};\nPRAGMA user_version = {v + 1};";
            command.ExecuteNonQuery();
            if (v == 0)
            {
                command.CommandText = "INSERT INTO meta VALUES('uidvalidity', $uv), ('pruned_messages', 0), ('pruned_bytes', 0)";
                command.Parameters.AddWithValue("$uv", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
