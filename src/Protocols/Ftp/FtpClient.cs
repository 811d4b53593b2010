using System.Net;
using System.Net.Security;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Ftp;

/// <summary>
/// An FTP client: plain, explicit TLS (AUTH TLS, PBSZ 0, PROT P) or implicit TLS; FEAT detection; EPSV with PASV
/// fallback or active mode; MLSD listings with LIST fallback; uploads and downloads of streams and files with
/// progress, resume and verification; directory operations. One command at a time: not for concurrent use.
/// <code>
/// await using var ftp = new FtpClient("ftp.example.org", credentials: new NetworkCredential("user", "pass"));
/// await ftp.ConnectAsync();
/// await foreach (var item in ftp.GetListingAsync("/pub")) Console.WriteLine(item.Name);
/// await ftp.DownloadFileAsync("local.iso", "/pub/image.iso", FtpExists.Resume);
/// </code>
/// </summary>
public sealed partial class FtpClient : IAsyncDisposable
{
    private readonly HashSet<string> _features = new(StringComparer.OrdinalIgnoreCase);
    private Connection? _control;
    private bool? _binary;
    private bool _protectData;
    private bool _epsvRefused;
    private int _awaitingReplies;

    /// <summary>The longest wait for the replies owed after ABOR.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(10);

    public FtpClient(string host, int port = 0, NetworkCredential? credentials = null, FtpClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        Options = options ?? new FtpClientOptions();
        Host = host;
        Port = port != 0 ? port : Options.Encryption == FtpEncryption.Implicit ? 990 : 21;
        Credentials = credentials ?? new NetworkCredential("anonymous", "anonymous@");
    }

    /// <summary>
    /// A client for <c>ftp://[user[:password]@]host[:port]/...</c> or <c>ftps://</c> (implicit TLS). User and password are
    /// URL-decoded; without them the login is anonymous.
    /// </summary>
    public static FtpClient FromUri(Uri uri, FtpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        options ??= new FtpClientOptions();
        if (uri.Scheme.Equals("ftps", StringComparison.OrdinalIgnoreCase)) options.Encryption = FtpEncryption.Implicit;
        else if (!uri.Scheme.Equals("ftp", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"not an ftp:// or ftps:// URL: {uri}", nameof(uri));
        NetworkCredential? credentials = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            credentials = new NetworkCredential(user, password);
        }
        return new FtpClient(uri.Host, uri.IsDefaultPort ? 0 : uri.Port, credentials, options);
    }

    public string Host { get; }
    public int Port { get; }
    public NetworkCredential Credentials { get; }
    public FtpClientOptions Options { get; }

    /// <summary>What the server listed in FEAT (first word of each line, upper-case), e.g. MLST, EPSV, HASH, UTF8.</summary>
    public IReadOnlySet<string> Features => _features;

    /// <summary>The full FEAT lines, e.g. <c>MLST type*;size*;</c>, <c>HASH SHA-256*;MD5</c>.</summary>
    public IReadOnlyList<string> FeatureLines { get; private set; } = [];

    /// <summary>The greeting (220) the server sent.</summary>
    public Reply? Greeting { get; private set; }

    public bool IsConnected => _control is not null;

    /// <summary>Whether the control connection runs over TLS.</summary>
    public bool IsTls => _control?.IsTls == true;

    /// <summary>The control connection's TLS version, once TLS is up.</summary>
    public System.Security.Authentication.SslProtocols? TlsProtocol => _control?.Tls?.SslProtocol;

    public bool HasFeature(string feature) => _features.Contains(feature);

    private Connection Control => _control ?? throw new InvalidOperationException("not connected: call ConnectAsync first");

    /// <summary>Connects, secures (per <see cref="FtpClientOptions.Encryption"/>), logs in and reads FEAT.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_control is not null) throw new InvalidOperationException("already connected");
        var connectionOptions = new ConnectionOptions
        {
            ConnectTimeout = Options.ConnectTimeout,
            ReadTimeout = Options.ReadTimeout,
            WriteTimeout = Options.ReadTimeout,
            AcceptBareLf = true,
            Tls = Options.Encryption == FtpEncryption.Implicit ? TlsOptions() : null,
        };
        Options.ProtocolLogger?.LogConnect(ProtocolLog.ConnectUri(Options.Encryption == FtpEncryption.Implicit ? "ftps" : "ftp", Host, Port));
        _control = await Options.Network.ConnectAsync(Host, Port, connectionOptions, cancellationToken).ConfigureAwait(false);
        if (Options.ProtocolLogger is { } logger) _control.LogTo(logger, WireProtocol.Ftp);
        try
        {
            Greeting = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (Greeting.Code != 220) throw new FtpCommandException("(greeting)", Greeting);
            if (Options.Encryption == FtpEncryption.Explicit)
            {
                await ExpectAsync("AUTH TLS", 234, cancellationToken).ConfigureAwait(false);
                await Control.UpgradeToTlsAsync(TlsOptions(), Host, PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
            }
            if (Control.IsTls)
            {
                await ExpectAsync("PBSZ 0", 200, cancellationToken).ConfigureAwait(false);
                await ExpectAsync("PROT P", 200, cancellationToken).ConfigureAwait(false);
                _protectData = true;
            }
            await LoginAsync(cancellationToken).ConfigureAwait(false);
            var feat = await ExecuteAsync("FEAT", cancellationToken).ConfigureAwait(false);
            if (feat.Code == 211)
            {
                FeatureLines = feat.Lines.Skip(1).Take(feat.Lines.Count - 2).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
                foreach (var line in FeatureLines) _features.Add(line.Split(' ')[0]);
            }
            if (HasFeature("UTF8")) await ExecuteAsync("OPTS UTF8 ON", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _control.DisposeAsync().ConfigureAwait(false);
            _control = null;
            throw;
        }
    }

    /// <summary>
    /// TLS for the control and every data connection alike (same target host, protocols and certificates), so .NET
    /// finds the control connection's session in its cache and the data connections resume it (RFC 4217 §10.2;
    /// required by vsftpd's default <c>require_ssl_reuse=YES</c>). See docs/ftp-tls-resume.md.
    /// </summary>
    private TlsClientOptions TlsOptions() => new()
    {
        AcceptAnyCertificate = Options.AcceptAnyCertificate,
        CertificateValidation = Options.CertificateValidation,
        TargetHost = Options.TlsTargetHost,
    };

    /// <summary>True when .NET can keep our TLS session for resumption: it does so under a host name only, never an IP literal.</summary>
    private bool CanResumeTls => !IPAddress.TryParse(Options.TlsTargetHost ?? Host.Trim('[', ']'), out _);

    /// <summary>A refusal; a 522 on a protected data connection that could not resume the session says what to do.</summary>
    private FtpCommandException Refused(string command, Reply reply, Exception? inner = null)
    {
        var hint = reply.Code == 522 && _protectData && !CanResumeTls
            ? $"the server requires the data connection to resume the control connection's TLS session, which .NET does only under a host name: connect to {Host} by name or set FtpClientOptions.TlsTargetHost"
            : null;
        return new FtpCommandException(Redact(command), reply, inner, hint);
    }

    private async Task LoginAsync(CancellationToken cancellationToken)
    {
        var reply = await ExecuteAsync("USER " + Credentials.UserName, cancellationToken).ConfigureAwait(false);
        if (reply.Code == 331)
            reply = await ExecuteAsync("PASS " + Credentials.Password, cancellationToken).ConfigureAwait(false);
        if (reply.Code is not (230 or 202)) throw new FtpCommandException("USER/PASS", reply);
    }

    /// <summary>Sends a command and reads its reply, whatever the code (1yz replies are followed to the final one).</summary>
    public async Task<Reply> ExecuteAsync(string command, CancellationToken cancellationToken = default)
    {
        await SendAsync(command, cancellationToken).ConfigureAwait(false);
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        while (reply.IsPreliminary) reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        return reply;
    }

    /// <summary>Sends a command and requires a 2yz/3yz reply, else throws <see cref="FtpCommandException"/>.</summary>
    public async Task<Reply> ExpectAsync(string command, int? code = null, CancellationToken cancellationToken = default)
    {
        var reply = await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        if (code is { } c ? reply.Code != c : !(reply.IsSuccess || reply.IsIntermediate)) throw new FtpCommandException(Redact(command), reply);
        return reply;
    }

    private async Task SendAsync(string command, CancellationToken cancellationToken)
    {
        Control.Writer.WriteLine(command.AsSpan().IndexOfAny('\r', '\n') >= 0
            ? throw new ArgumentException("a command cannot hold CR or LF", nameof(command))
            : command);
        _awaitingReplies++;
        await Control.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Reply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var reply = await ReplyReader.ReadAsync(Control.Reader, strict: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!reply.IsPreliminary && _awaitingReplies > 0) _awaitingReplies--;
        return reply;
    }

    /// <summary>The command as an exception shows it: PASS and ACCT redacted by the protocol log's detector.</summary>
    private static string Redact(string command) => ProtocolSecretDetector.RedactLine(WireProtocol.Ftp, command);

    /// <summary>Sends QUIT and closes.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        if (_control is null) return;
        try
        {
            await ExecuteAsync("QUIT", cancellationToken).ConfigureAwait(false);
            try
            {
                await _control.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectionClosedException)
            {
                // After 221 the server closes: it may simply have been first.
            }
        }
        finally
        {
            await _control.DisposeAsync().ConfigureAwait(false);
            _control = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_control is null) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await DisconnectAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or FtpCommandException)
        {
            Options.ProtocolLogger?.LogInfo("QUIT failed: " + e.Message);
        }
    }
}
