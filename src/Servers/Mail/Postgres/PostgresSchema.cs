namespace Protocols.Servers.Mail.Postgres;

/// <summary>The schema in PostgreSQL: the same tables and columns as SQLite's, in a schema of their own
/// (<c>proto_mail</c>), versions applied in order under an advisory lock so instances starting together agree.</summary>
internal static class PostgresSchema
{
    public const string Name = "proto_mail";

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
    ];
}
