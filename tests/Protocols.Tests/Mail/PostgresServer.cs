using Npgsql;
using Protocols.Tests.Smtp;
using Protocols.Tests.Support;

namespace Protocols.Tests.Mail;

/// <summary>
/// A real PostgreSQL (Debian's postgresql package, /usr/lib/postgresql/N/bin) on a temporary data directory and a
/// free loopback port, for the store's contract tests. initdb refuses root, so under root it runs as <c>nobody</c>.
/// A missing server fails the test (never a skip).
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private readonly string? _runAs;
    private int _databases;

    private PostgresServer(string bin, string data, string? runAs, int port)
    {
        _bin = bin;
        _data = data;
        _runAs = runAs;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Keyword form for the postgres database (superuser postgres, trust on loopback).</summary>
    public string ConnectionString(string database = "postgres") => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null) Assert.Fail("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing: run ./test.sh, which installs them");
        var root = Environment.UserName == "root";
        var data = Directory.CreateTempSubdirectory("proto-pg-").FullName;
        string? runAs = root ? "nobody" : null;
        if (root) await RunCheckedAsync("/usr/bin/chown", ["nobody", data], null);
        var port = LoopbackPort.Free();
        var server = new PostgresServer(bin!, data, runAs, port);
        try
        {
            await server.RunAsync("initdb", ["-D", Path.Combine(data, "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
            await server.RunAsync("pg_ctl", ["-D", Path.Combine(data, "db"), "-l", Path.Combine(data, "log"), "-w", "-t", "60", "start",
                "-o", $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on -c max_connections=200"]);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>A new empty database; returns its keyword-form connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t" + Interlocked.Increment(ref _databases).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private Task RunAsync(string tool, string[] arguments) =>
        _runAs is null
            ? RunCheckedAsync(Path.Combine(_bin, tool), arguments, null)
            : RunCheckedAsync("/usr/sbin/runuser", ["-u", _runAs, "--", Path.Combine(_bin, tool), .. arguments], null);

    private static async Task RunCheckedAsync(string file, string[] arguments, string? stdin)
    {
        var result = await PeerRunner.RunAsync(file, arguments, stdin, TimeSpan.FromSeconds(90));
        if (result.ExitCode != 0) Assert.Fail($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Stderr} {result.Stdout}");
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(_data, "db", "postmaster.pid")))
        {
            try
            {
                await RunAsync("pg_ctl", ["-D", Path.Combine(_data, "db"), "-m", "immediate", "-w", "stop"]);
            }
            catch (AssertionException)
            {
                // already stopped
            }
        }
        Directory.Delete(_data, recursive: true);
    }
}
