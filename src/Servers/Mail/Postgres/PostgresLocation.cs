using Npgsql;

namespace Protocols.Servers.Mail.Postgres;

/// <summary>A <c>--store</c> value for PostgreSQL: <c>postgres://user:password@host:port/database?sslmode=...</c> or Npgsql's
/// <c>Host=...;Database=...</c> form. The tables live in schema <c>proto_mail</c> of that database.</summary>
internal static class PostgresLocation
{
    public static NpgsqlConnectionStringBuilder Parse(string location)
    {
        NpgsqlConnectionStringBuilder builder;
        if (location.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
                throw new MailStoreException("--store: not a postgres:// address (postgres://user@host:port/database)");
            builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
            var user = uri.UserInfo.Split(':', 2);
            if (user[0].Length > 0) builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2) builder.Password = Uri.UnescapeDataString(user[1]);
            var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
            if (database.Length > 0) builder.Database = database;
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]);
                var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
                try
                {
                    builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
                }
                catch (ArgumentException)
                {
                    throw new MailStoreException($"--store: unknown PostgreSQL option '{key}'");
                }
            }
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(location);
            }
            catch (ArgumentException e)
            {
                throw new MailStoreException("--store: not a PostgreSQL connection string: " + e.Message);
            }
        }
        builder.SearchPath = PostgresSchema.Name;
        // The batch insert and the list queries are the same few statements: prepared once per physical connection.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;
        if (builder.Timeout == 15) builder.Timeout = 10;
        return builder;
    }

    /// <summary>Where it points, without the password: for messages.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgres://{(builder.Username is { Length: > 0 } u ? u + "@" : "")}{builder.Host}:{builder.Port}/{builder.Database}";
}
