using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Ftp;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Testing;

/// <summary>
/// A throwaway FTP server for tests: bound on 127.0.0.1 port 0, probed (a 220 greeting was read) and ready when
/// <see cref="StartAsync"/> returns; over a directory or in memory; users; inspect files; wait for an upload;
/// scripted faults. <see cref="DisposeAsync"/> stops it.
/// <code>
/// await using var ftp = await FtpTestServer.StartAsync(o => o.Users["bob"] = ("secret", true));
/// // ... upload to ftp.Uri with the code under test ...
/// var bytes = await ftp.WaitForUploadAsync("/report.csv", TimeSpan.FromSeconds(10));
/// </code>
/// </summary>
public sealed class FtpTestServer : IAsyncDisposable
{
    private readonly FtpServer _server;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _uploads = new(StringComparer.Ordinal);

    private FtpTestServer(FtpServer server, IFtpFileSystem fileSystem, FtpTestServerOptions options, X509Certificate2? certificate)
    {
        _server = server;
        FileSystem = fileSystem;
        Options = options;
        Certificate = certificate;
        options.Faults.Stored += path => _uploads.GetOrAdd(path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public FtpTestServerOptions Options { get; }

    /// <summary>Scripted faults, read live (script them before or while the client under test runs); see <see cref="FtpFaults"/>:
    /// <c>ftp.Faults.Reply("STOR", 452, "Insufficient storage space.", nth: 2)</c>, <c>Delay</c>, <c>DisconnectOn</c>.</summary>
    public FtpFaults Faults => Options.Faults;

    /// <summary>The tree served to every user.</summary>
    public IFtpFileSystem FileSystem { get; }

    /// <summary>The in-memory tree, when no directory was given.</summary>
    public MemoryFileSystem? Memory => FileSystem as MemoryFileSystem;

    /// <summary>The self-signed certificate when <see cref="FtpTestServerOptions.Tls"/> is on.</summary>
    public X509Certificate2? Certificate { get; }

    public string Host => "127.0.0.1";

    public int Port => _server.EndPoint.Port;

    /// <summary>The implicit FTPS port (when TLS is on), else 0.</summary>
    public int ImplicitTlsPort => _server.ImplicitTlsEndPoint?.Port ?? 0;

    /// <summary><c>ftp://127.0.0.1:port/</c></summary>
    public Uri Uri => new($"ftp://{Host}:{Port}/");

    /// <summary>The server's shared state: options, the connection limiter, the login throttle.</summary>
    public FtpServerState State => _server.State;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _server.State.ConnectionCount;

    public static async Task<FtpTestServer> StartAsync(Action<FtpTestServerOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new FtpTestServerOptions();
        configure?.Invoke(options);
        IFtpFileSystem fileSystem = options.RootDirectory is { } root ? new DiskFileSystem(root) : new MemoryFileSystem();
        var users = new FtpUserStore();
        foreach (var (name, (password, canWrite)) in options.Users) users.Add(name, password, fileSystem, canWrite);
        if (options.Anonymous) users.AllowAnonymous(fileSystem, options.AnonymousCanWrite);
        var certificate = options.Tls ? SelfSignedCertificate.Create() : null;
        var serverOptions = new FtpServerOptions
        {
            Authenticator = users,
            Certificate = certificate,
            Faults = options.Faults,
            LoginFailureDelay = TimeSpan.FromMilliseconds(50),
            Banner = "Protocols FtpTestServer ready",
        };
        options.Configure?.Invoke(serverOptions);
        var server = await FtpServer.StartAsync(serverOptions, new IPEndPoint(IPAddress.Loopback, 0),
            certificate is null ? null : new IPEndPoint(IPAddress.Loopback, 0), cancellationToken: cancellationToken).ConfigureAwait(false);
        var test = new FtpTestServer(server, fileSystem, options, certificate);
        try
        {
            await test.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await test.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return test;
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await using var probe = await Connection.ConnectAsync(Host, Port, cancellationToken: timeout.Token).ConfigureAwait(false);
        var greeting = await probe.Reader.ReadLineStringAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        if (greeting is null || !greeting.StartsWith("220", StringComparison.Ordinal))
            throw new InvalidOperationException("the FTP test server did not greet with 220");
        await probe.Writer.WriteLineAsync("QUIT", timeout.Token).ConfigureAwait(false);
        // Ready means the probe left nothing behind: its 221, the server's close, and its connection slot given back
        // (else a test at a per-address limit could find it still taken on a loaded machine).
        string? line;
        do line = await probe.Reader.ReadLineStringAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        while (line is not null);
        while (ConnectionCount > 0) await Task.Delay(10, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Puts a file in the tree (parents created).</summary>
    public async Task AddFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var parent = FtpPathResolver.Parent(path);
        var built = "";
        foreach (var segment in parent.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            built += "/" + segment;
            if (await FileSystem.GetInfoAsync(built, cancellationToken).ConfigureAwait(false) is null)
                await FileSystem.CreateDirectoryAsync(built, cancellationToken).ConfigureAwait(false);
        }
        await using var upload = await FileSystem.BeginUploadAsync(path, FtpUploadMode.Create, 0, cancellationToken).ConfigureAwait(false);
        await upload.Stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A file's bytes, or null when there is no such file.</summary>
    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        if (await FileSystem.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is not { IsDirectory: false }) return null;
        await using var stream = await FileSystem.OpenReadAsync(path, 0, cancellationToken).ConfigureAwait(false);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.ToArray();
    }

    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) =>
        await FileSystem.GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Waits until an upload to <paramref name="path"/> completes (or has completed) and returns the file's bytes.</summary>
    public async Task<byte[]> WaitForUploadAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var done = _uploads.GetOrAdd(path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"no upload to {path} completed within {timeout.TotalSeconds:0.#} s", e);
        }
        return await ReadFileAsync(path, cancellationToken).ConfigureAwait(false) ?? throw new FileNotFoundException("uploaded then removed", path);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
