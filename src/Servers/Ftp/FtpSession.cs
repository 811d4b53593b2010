using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

/// <summary>
/// One FTP control connection: reads commands, answers them through the command table, and runs transfers on data
/// connections. Plain code over a <see cref="Connection"/>: Kestrel, a socket or an in-memory pair.
/// </summary>
public sealed partial class FtpSession
{
    private readonly Connection _connection;
    private readonly FtpServerState _state;
    private readonly FtpServerOptions _options;
    private readonly ILogger _logger;
    private readonly IPAddress _localAddress;
    private readonly IPAddress _remoteAddress;
    private readonly EndPoint? _remoteEndPoint;
    private readonly SemaphoreSlim _replyLock = new(1, 1);
    private readonly CancellationTokenSource _idle = new();
    private readonly ConnectionOptions _dataOptions;

    private string? _pendingUser;
    private FtpUser? _user;
    private string _cwd = "/";
    private int _loginFailures;
    private int _badCommands;
    private bool _quit;

    /// <summary>Creates a session; the data-channel address checks use the connection's end points.</summary>
    public FtpSession(Connection connection, FtpServerState state, ILogger? logger = null, EndPoint? localEndPoint = null, EndPoint? remoteEndPoint = null)
    {
        _remoteEndPoint = remoteEndPoint ?? connection.RemoteEndPoint;
        _connection = connection;
        _state = state;
        _options = state.Options;
        _logger = logger ?? NullLogger.Instance;
        _localAddress = FtpDataChannel.Normalize(((localEndPoint ?? connection.LocalEndPoint) as IPEndPoint)?.Address ?? IPAddress.Loopback);
        _remoteAddress = FtpDataChannel.Normalize((_remoteEndPoint as IPEndPoint)?.Address ?? IPAddress.Loopback);
        connection.Reader.MaxLineLength = _options.MaxCommandLength + 2;
        connection.Reader.AcceptBareLf = true;
        _dataOptions = new ConnectionOptions
        {
            ReceiveBufferSize = TransferBufferSize,
            ConnectTimeout = _options.DataConnectTimeout,
            TlsHandshakeTimeout = _options.DataConnectTimeout,
            ReadTimeout = _options.DataIdleTimeout,
            WriteTimeout = _options.DataIdleTimeout,
        };
    }

    /// <summary>The slot this session holds in its server's limiter; it marks the waits for a command, when it may be evicted under stress.</summary>
    public Protocols.Servers.Lines.ConnectionLease? Lease { get; init; }

    /// <summary>Serves the connection until QUIT, a limit, a timeout or the peer leaving. Never throws for what the peer does.</summary>
    public async Task RunAsync(bool implicitTls = false, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _idle.Token);
        Lease?.Attach(linked); // eviction under stress cancels it
        try
        {
            if (implicitTls)
            {
                if (_options.Certificate is null) throw new InvalidOperationException("implicit FTPS needs a certificate");
                await _connection.UpgradeToTlsAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.Certificate },
                    PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
                _protectData = true;
            }
            await ReplyAsync(220, _options.Banner).ConfigureAwait(false);
            while (!_quit)
            {
                if (_transfer is null)
                {
                    _idle.CancelAfter(_options.IdleTimeout);
                    Lease?.MarkIdle(); // a session that is transferring is never evicted
                }
                ReadOnlySequence<byte>? line;
                try
                {
                    line = await _connection.Reader.ReadLineAsync(linked.Token).ConfigureAwait(false);
                }
                catch (LineTooLongException)
                {
                    await _connection.Reader.DiscardLineAsync(linked.Token).ConfigureAwait(false);
                    if (await BadCommandAsync(500, "Command line too long.").ConfigureAwait(false)) break;
                    continue;
                }
                if (line is null) break;
                Lease?.MarkBusy();
                _idle.CancelAfter(Timeout.InfiniteTimeSpan);
                await DispatchAsync(StripTelnet(line.Value), linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when ((_idle.IsCancellationRequested || Lease is { IsEvicted: true }) && !cancellationToken.IsCancellationRequested)
        {
            await TryReplyAsync(421, "Timeout.").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TryReplyAsync(421, "Server shutting down.").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            _logger.LogDebug(e, "FTP session with {Remote} ended: {Reason}", _remoteAddress, e.Message);
        }
        finally
        {
            await AbortTransferAsync().ConfigureAwait(false);
            if (_dataChannel is not null) await _dataChannel.DisposeAsync().ConfigureAwait(false);
            _idle.Dispose();
        }
    }

    /// <summary>Counts a bad command and replies; true when the budget is spent and the connection must close.</summary>
    private async Task<bool> BadCommandAsync(int code, string text)
    {
        if (++_badCommands > _options.MaxBadCommands)
        {
            await ReplyAsync(421, "Too many bad commands, closing.").ConfigureAwait(false);
            return true;
        }
        await ReplyAsync(code, text).ConfigureAwait(false);
        return false;
    }

    /// <summary>Drops the Telnet IP/DM (IAC 0xF4, IAC 0xF2, a lone 0xF2) that clients send before ABOR (RFC 959 §4.1.3).</summary>
    private static ReadOnlySequence<byte> StripTelnet(ReadOnlySequence<byte> line)
    {
        while (line.Length > 0)
        {
            var first = line.FirstSpan[0];
            if (first == 0xFF && line.Length >= 2) line = line.Slice(2);
            else if (first is 0xF2 or 0xF4 or 0xFF) line = line.Slice(1);
            else break;
        }
        return line;
    }

    private async Task DispatchAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (!CommandLine.TryParse(bytes, out var verbBytes, out var argumentBytes))
        {
            _quit = await BadCommandAsync(500, "Syntax error, command unrecognized.").ConfigureAwait(false);
            return;
        }
        var verb = CommandLine.VerbToString(verbBytes);
        if (!FtpPathResolver.TryDecode(argumentBytes, out var argument))
        {
            await ReplyAsync(501, "Arguments must be UTF-8.").ConfigureAwait(false);
            return;
        }
        if (!Commands.TryGetValue(verb, out var command))
        {
            _quit = await BadCommandAsync(500, $"Unknown command {Sanitize(verb)}.").ConfigureAwait(false);
            return;
        }
        if (verb != "PASS") _logger.LogTrace("FTP {Remote} <- {Verb} {Argument}", _remoteAddress, verb, argument);

        // While a transfer runs, only ABOR, STAT, NOOP answer at once; anything else waits for the transfer to end.
        if (_transfer is not null && !command.DuringTransfer) await WaitForTransferAsync().ConfigureAwait(false);

        if (command.Access != Access.Any && _user is null)
        {
            await ReplyAsync(530, "Please login with USER and PASS.").ConfigureAwait(false);
            return;
        }
        if (command.Access == Access.Write && _user is { CanWrite: false })
        {
            await ReplyAsync(550, "Permission denied.").ConfigureAwait(false);
            return;
        }
        if (command.Argument == ArgumentRule.Required && argument.Length == 0)
        {
            await ReplyAsync(501, "Syntax error in parameters or arguments.").ConfigureAwait(false);
            return;
        }
        if (verb != "RNTO") _renameFrom = null;
        if (verb is not ("RETR" or "STOR" or "APPE" or "REST" or "STAT" or "NOOP" or "ABOR" or "PASV" or "EPSV" or "PORT" or "EPRT" or "TYPE")) _restart = 0;
        try
        {
            await command.Handler(this, argument, cancellationToken).ConfigureAwait(false);
        }
        catch (FtpFileSystemException e)
        {
            await ReplyAsync(e.Error == FtpFileSystemError.InvalidOffset ? 554 : 550, FileSystemMessage(e.Error)).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException)
        {
            await ReplyAsync(550, "Permission denied.").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not ConnectionClosedException and not ProtocolException)
        {
            _logger.LogWarning(e, "FTP {Verb} failed for {Remote}", verb, _remoteAddress);
            await ReplyAsync(451, "Requested action aborted: local error in processing.").ConfigureAwait(false);
        }
    }

    private static string FileSystemMessage(FtpFileSystemError error) => error switch
    {
        FtpFileSystemError.NotFound => "No such file or directory.",
        FtpFileSystemError.AlreadyExists => "File exists.",
        FtpFileSystemError.NotEmpty => "Directory not empty.",
        FtpFileSystemError.NotAFile => "Not a plain file.",
        FtpFileSystemError.NotADirectory => "Not a directory.",
        FtpFileSystemError.InvalidOffset => "Invalid restart position.",
        _ => "Permission denied.",
    };

    private static string Sanitize(string text) => text.Length > 32 ? text[..32] : text;

    /// <summary>Sends a one-line reply.</summary>
    internal Task ReplyAsync(int code, string text) => ReplyAsync(code, [text]);

    /// <summary>
    /// Sends a reply; several lines become <c>ddd-first</c>, the middle lines as given (each starting with a space,
    /// as RFC 2389 FEAT lines do), and <c>ddd last</c>.
    /// </summary>
    internal async Task ReplyAsync(int code, IReadOnlyList<string> lines)
    {
        await _replyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var writer = _connection.Writer;
            var codeText = code.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < lines.Count; i++)
            {
                var text = lines[i].Replace('\r', ' ').Replace('\n', ' ');
                if (i == 0 && lines.Count > 1) writer.WriteLine($"{codeText}-{text}");
                else if (i == lines.Count - 1) writer.WriteLine($"{codeText} {text}");
                else writer.WriteLine(text.StartsWith(' ') ? text : " " + text);
            }
            await writer.DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            _replyLock.Release();
        }
    }

    private async Task TryReplyAsync(int code, string text)
    {
        try
        {
            await ReplyAsync(code, text).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            _logger.LogDebug("FTP {Remote}: could not send {Code}: {Reason}", _remoteAddress, code, e.Message);
        }
    }

    /// <summary>Quotes a path for a 257 reply: inner double quotes are doubled (RFC 959 Appendix II).</summary>
    private static string Quote(string path) => "\"" + path.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private IFtpFileSystem Tree => _user!.FileSystem;

    /// <summary>Resolves a path argument, or replies 550 (553 for names to create) and returns null.</summary>
    private async Task<string?> ResolveAsync(string argument, bool forCreate = false)
    {
        if (FtpPathResolver.TryResolve(_cwd, argument, out var path, out var error)) return path;
        await ReplyAsync(forCreate ? 553 : 550, error switch
        {
            FtpPathError.AboveRoot => "Path outside the root.",
            FtpPathError.TooLong => "Path too long.",
            _ => "File name not allowed.",
        }).ConfigureAwait(false);
        return null;
    }
}
