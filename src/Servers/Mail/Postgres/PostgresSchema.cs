namespace Protocols.Servers.Mail.Postgres;

/// <summary>The schema in PostgreSQL: the same tables and columns as SQLite's (but the words, in a table of their own), in
/// a schema of their own (<c>proto_mail</c>), versions applied in order under an advisory lock so instances starting
/// together agree. The trigram indexes are not a version: they need the pg_trgm extension, which a database may not
/// offer, so each start adds them when missing and possible (<see cref="TrigramIndexes"/>).</summary>
internal static class PostgresSchema
{
    public const string Name = "proto_mail";

    /// <summary>pg_trgm GIN indexes for the substring searches: <c>subject:</c>, <c>from:</c> (envelope and header),
    /// <c>to:</c> (envelope, To, Cc); an address search uses the last two. Columns joined by <see cref="Joined"/>.</summary>
    public static readonly (string Name, string[] Columns)[] TrigramIndexes =
    [
        ("messages_subject_trgm", ["subject"]),
        ("messages_from_trgm", ["envelope_from", "header_from"]),
        ("messages_to_trgm", ["envelope_to", "header_to", "header_cc"]),
    ];

    /// <summary>The GIN indexes' options: new entries wait in a pending list that every search reads through until it is
    /// merged (by autovacuum or when it passes this many kB); PostgreSQL's 4 MB made a search right after a burst of
    /// mail read thousands of entries.</summary>
    public const string GinOptions = "WITH (gin_pending_list_limit = 256)";

    /// <summary>Between the columns of a trigram index: a pattern without it matches the joined text exactly when it matches a column.</summary>
    public const char Separator = '\n';

    /// <summary>The indexed expression: each column NULL as empty, joined by a line break.</summary>
    public static string Joined(string[] columns, string prefix = "") =>
        string.Join(" || E'\\n' || ", columns.Select(c => $"COALESCE({prefix}{c}, '')"));

    public static readonly string[] Versions =
    [
        """
        CREATE TABLE meta(key text PRIMARY KEY, value bigint NOT NULL);
        CREATE TABLE messages(
            uid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            received_at bigint NOT NULL,
            envelope_from text NOT NULL,
            envelope_to text NOT NULL,
            header_from text, header_to text, header_cc text, subject text, date text,
            size bigint NOT NULL, has_html integer NOT NULL, attachments integer NOT NULL,
            flags integer NOT NULL DEFAULT 0,
            client_address text, helo text, tls integer NOT NULL DEFAULT 0, auth_user text,
            body_file text,
            keywords text NOT NULL DEFAULT '',
            transcript text,
            words tsvector);
        CREATE INDEX messages_received ON messages(received_at);
        CREATE INDEX messages_words ON messages USING gin(words);
        CREATE TABLE bodies(uid bigint PRIMARY KEY REFERENCES messages(uid) ON DELETE CASCADE, raw bytea NOT NULL);
        ALTER TABLE bodies ALTER COLUMN raw SET STORAGE EXTERNAL;
        CREATE TABLE mailboxes(name text PRIMARY KEY, uidnext bigint NOT NULL);
        INSERT INTO mailboxes VALUES('INBOX', 1);
        CREATE TABLE recipients(mailbox text NOT NULL, uid bigint NOT NULL REFERENCES messages(uid) ON DELETE CASCADE, PRIMARY KEY(mailbox, uid));
        CREATE INDEX recipients_uid ON recipients(uid);
        CREATE TABLE totals(one integer PRIMARY KEY CHECK(one = 1), messages bigint NOT NULL, bytes bigint NOT NULL);
        INSERT INTO totals VALUES(1, 0, 0);
        CREATE FUNCTION totals_track() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN UPDATE totals SET messages = messages + 1, bytes = bytes + NEW.size;
            ELSE UPDATE totals SET messages = messages - 1, bytes = bytes - OLD.size; END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER messages_totals AFTER INSERT OR DELETE ON messages FOR EACH ROW EXECUTE FUNCTION totals_track();
        INSERT INTO meta VALUES('uidvalidity', extract(epoch from now())::bigint), ('pruned_messages', 0), ('pruned_bytes', 0);
        """,
        // Version 2: the totals move once per statement, not once per row (a batch is one INSERT of every message).
        """
        DROP TRIGGER messages_totals ON messages;
        DROP FUNCTION totals_track();
        CREATE FUNCTION totals_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE totals SET messages = messages + t.n, bytes = bytes + t.b FROM (SELECT count(*) AS n, COALESCE(sum(size), 0) AS b FROM added) t
                WHERE t.n > 0;
            RETURN NULL;
        END $$;
        CREATE FUNCTION totals_gone() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE totals SET messages = messages - t.n, bytes = bytes - t.b FROM (SELECT count(*) AS n, COALESCE(sum(size), 0) AS b FROM gone) t
                WHERE t.n > 0;
            RETURN NULL;
        END $$;
        CREATE TRIGGER messages_added AFTER INSERT ON messages REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION totals_added();
        CREATE TRIGGER messages_gone AFTER DELETE ON messages REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION totals_gone();
        """,
        // Version 3: the words move to a table of their own. Inline they were most of a summary row (a tsvector keeps
        // up to 256 positions per word and stays in the row below 2 KB), so every scan of the summaries (a count, a
        // substring search) read several times the pages it needed. DROP COLUMN leaves the bytes in the rows; the
        // no-op type change rewrites the table without them. And the rows that hang off a message (body, words,
        // recipient views) go with it through the statement's delete trigger instead of foreign keys: a key costs a
        // check per row inserted (measured: 23 us of the 56 us a words row costs) and a cascade per row deleted.
        """
        ALTER TABLE bodies DROP CONSTRAINT IF EXISTS bodies_uid_fkey;
        ALTER TABLE recipients DROP CONSTRAINT IF EXISTS recipients_uid_fkey;
        CREATE OR REPLACE FUNCTION totals_gone() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM bodies WHERE uid IN (SELECT uid FROM gone);
            DELETE FROM message_words WHERE uid IN (SELECT uid FROM gone);
            DELETE FROM recipients WHERE uid IN (SELECT uid FROM gone);
            UPDATE totals SET messages = messages - t.n, bytes = bytes - t.b FROM (SELECT count(*) AS n, COALESCE(sum(size), 0) AS b FROM gone) t
                WHERE t.n > 0;
            RETURN NULL;
        END $$;
        CREATE TABLE message_words(uid bigint PRIMARY KEY, words tsvector NOT NULL);
        INSERT INTO message_words SELECT uid, words FROM messages WHERE words IS NOT NULL;
        DROP INDEX messages_words;
        ALTER TABLE messages DROP COLUMN words;
        ALTER TABLE messages ALTER COLUMN size TYPE bigint USING size + 0;
        CREATE INDEX message_words_words ON message_words USING gin(words) WITH (gin_pending_list_limit = 256); -- PostgresSchema.GinOptions
        ANALYZE messages;
        ANALYZE message_words;
        """,
    ];
}
