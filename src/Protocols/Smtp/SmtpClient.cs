using System.Net.Security;
using System.Text;
using Protocols.Lines;
using Protocols.Net;

namespace Protocols.Smtp;

/// <summary>
/// An async SMTP client with the shape MailKit users know: <see cref="ConnectAsync"/>,
/// <see cref="AuthenticateAsync(string, string, CancellationToken)"/>, <see cref="SendAsync(ReadOnlyMemory{byte}, string, IEnumerable{string}, CancellationToken)"/>,
/// <see cref="DisconnectAsync"/>. Uses PIPELINING, CHUNKING (BDAT), 8BITMIME and SMTPUTF8 when offered and needed.
/// A refusal throws <see cref="SmtpRefusedException"/> (the connection stays usable); a broken connection throws
/// <see cref="SmtpConnectionException"/> (disconnected); a timeout throws <see cref="TimeoutException"/> (disconnected).
/// </summary>
public sealed partial class SmtpClient : IAsyncDisposable
{
    private Connection? _connection;
    private string _host = "";

    /// <summary>The name sent in EHLO. Default "localhost".</summary>
    public string LocalDomain { get; set; } = "localhost";

    /// <summary>Limit on each wait for the server. Default 2 minutes (MailKit's default; RFC 5321 §4.5.3.2 allows
    /// longer for DATA termination, set more if the server is slow to queue).</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            _timeout = value;
            if (_connection is { } c)
            {
                c.Reader.ReadTimeout = value;
                c.Writer.WriteTimeout = value;
            }
        }
    }

    private TimeSpan _timeout = TimeSpan.FromMinutes(2);

    /// <summary>Limit on connecting. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>TLS settings (certificate checks, SNI). Default: verify the certificate against the host.</summary>
    public TlsClientOptions Tls { get; set; } = new();

    /// <summary>
    /// Where the conversation is logged, as raw bytes with AUTH secrets redacted (<see cref="ProtocolSecretDetector"/>)
    /// and message data left out; null for none. <see cref="TextProtocolLogger"/> prints <c>C: </c>/<c>S: </c> lines.
    /// </summary>
    public IProtocolLogger? ProtocolLogger { get; set; }

    /// <summary>Use BDAT when the server offers CHUNKING. Default true.</summary>
    public bool PreferChunking { get; set; } = true;

    /// <summary>Use PIPELINING when offered. Default true.</summary>
    public bool UsePipelining { get; set; } = true;

    /// <summary>What the server offered in its last EHLO.</summary>
    public SmtpServerCapabilities Capabilities { get; private set; } = SmtpServerCapabilities.Empty;

    /// <summary>The server's greeting.</summary>
    public Reply? Greeting { get; private set; }

    public bool IsConnected => _connection is not null;
    public bool IsSecure => _connection?.IsTls == true;
    public bool IsAuthenticated { get; private set; }

    /// <summary>
    /// Connects, reads the greeting, says EHLO (HELO when EHLO is refused) and secures the connection as asked.
    /// <paramref name="port"/> 0 means 465 for <see cref="SmtpEncryption.SslOnConnect"/>, 25 otherwise.
    /// </summary>
    public async Task ConnectAsync(string host, int port = 0, SmtpEncryption options = SmtpEncryption.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (_connection is not null) throw new InvalidOperationException("already connected");
        if (port == 0) port = options == SmtpEncryption.SslOnConnect ? 465 : 25;
        var implicitTls = options == SmtpEncryption.SslOnConnect || (options == SmtpEncryption.Auto && port == 465);
        var connectionOptions = new ConnectionOptions
        {
            ConnectTimeout = ConnectTimeout,
            ReadTimeout = Timeout,
            WriteTimeout = Timeout,
            MaxLineLength = 8192,
            Tls = implicitTls ? Tls : null,
        };
        _host = host;
        ProtocolLogger?.LogConnect(ProtocolLog.ConnectUri(implicitTls ? "smtps" : "smtp", host, port));
        try
        {
            _connection = await Connection.ConnectAsync(host, port, connectionOptions, cancellationToken).ConfigureAwait(false);
            if (ProtocolLogger is { } logger) _connection.LogTo(logger, WireProtocol.Smtp);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            throw new SmtpConnectionException($"could not connect to {host}:{port}: {e.Message}", e);
        }
        try
        {
            Greeting = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (Greeting.Code != 220) throw Command(SmtpRefusal.UnexpectedStatusCode, Greeting, "the server refused the connection");
            await HelloAsync(cancellationToken).ConfigureAwait(false);
            var wantTls = options is SmtpEncryption.StartTls
                || (options is SmtpEncryption.Auto or SmtpEncryption.StartTlsWhenAvailable && !implicitTls && Capabilities.Has(SmtpCapabilityFlags.StartTls));
            if (wantTls) await StartTlsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (!Capabilities.Has(SmtpCapabilityFlags.StartTls))
            throw new SmtpRefusedException(SmtpRefusal.UnexpectedStatusCode, 0, "the server does not offer STARTTLS");
        var reply = await CommandAsync("STARTTLS", cancellationToken).ConfigureAwait(false);
        if (reply.Code != 220) throw Command(SmtpRefusal.UnexpectedStatusCode, reply, "STARTTLS refused");
        try
        {
            await _connection!.UpgradeToTlsAsync(Tls, _host, PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            await AbortAsync().ConfigureAwait(false);
            throw new SmtpConnectionException($"TLS handshake failed: {e.Message}", e);
        }
        ProtocolLogger?.LogInfo($"TLS established ({_connection.Tls?.SslProtocol})");
        await HelloAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("EHLO " + LocalDomain, cancellationToken).ConfigureAwait(false);
        if (reply.Code == 250)
        {
            Capabilities = SmtpServerCapabilities.Parse(reply.Lines);
            return;
        }
        reply = await CommandAsync("HELO " + LocalDomain, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 250) throw Command(SmtpRefusal.UnexpectedStatusCode, reply, "HELO refused");
        Capabilities = SmtpServerCapabilities.Empty;
    }

    /// <summary>Authenticates with the best mechanism both sides know: CRAM-MD5 on plaintext (the password is not
    /// sent), PLAIN under TLS, LOGIN when it is all the server has.</summary>
    public Task AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        var offered = Capabilities.AuthenticationMechanisms;
        string? mechanism = IsSecure
            ? new[] { "PLAIN", "LOGIN", "CRAM-MD5" }.FirstOrDefault(offered.Contains)
            : new[] { "CRAM-MD5", "PLAIN", "LOGIN" }.FirstOrDefault(offered.Contains);
        if (mechanism is null)
            throw new SmtpRefusedException(SmtpRefusal.AuthenticationFailed, 0,
                offered.Count == 0 ? "the server offers no AUTH (it may require STARTTLS first)" : "no AUTH mechanism in common: " + string.Join(' ', offered));
        return AuthenticateAsync(mechanism, userName, password, cancellationToken);
    }

    /// <summary>Authenticates with a named mechanism: PLAIN, LOGIN or CRAM-MD5.</summary>
    public async Task AuthenticateAsync(string mechanism, string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        EnsureConnected();
        Reply reply;
        switch (mechanism.ToUpperInvariant())
        {
            case "PLAIN":
                reply = await CommandAsync("AUTH PLAIN " + Sasl.EncodePlain(userName, password), cancellationToken).ConfigureAwait(false);
                break;
            case "LOGIN":
                reply = await CommandAsync("AUTH LOGIN", cancellationToken).ConfigureAwait(false);
                if (reply.Code == 334) reply = await CommandAsync(Sasl.EncodeBase64(userName), cancellationToken).ConfigureAwait(false);
                if (reply.Code == 334) reply = await CommandAsync(Sasl.EncodeBase64(password), cancellationToken).ConfigureAwait(false);
                break;
            case "CRAM-MD5":
                reply = await CommandAsync("AUTH CRAM-MD5", cancellationToken).ConfigureAwait(false);
                if (reply.Code == 334)
                {
                    if (!Sasl.TryDecodeBase64(reply.Lines[0], out var challenge))
                        throw await ProtocolAsync("the CRAM-MD5 challenge is not base64").ConfigureAwait(false);
                    reply = await CommandAsync(Sasl.EncodeBase64(Sasl.CramMd5Response(userName, password, challenge)), cancellationToken).ConfigureAwait(false);
                }
                break;
            default:
                throw new ArgumentException($"unsupported mechanism {mechanism}", nameof(mechanism));
        }
        if (reply.Code == 334)
        {
            // The server wants more than the mechanism defines: cancel the exchange (RFC 4954 §4).
            reply = await CommandAsync("*", cancellationToken).ConfigureAwait(false);
        }
        // 235 per RFC 4954; any 2xx is taken as success (postfix smtp-sink answers 250).
        if (!reply.IsSuccess) throw Command(SmtpRefusal.AuthenticationFailed, reply, "authentication failed");
        IsAuthenticated = true;
    }

    /// <summary>Sends NOOP.</summary>
    public async Task NoOpAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CommandAsync("NOOP", cancellationToken).ConfigureAwait(false);
        if (reply.Code != 250) throw Command(SmtpRefusal.UnexpectedStatusCode, reply, "NOOP failed");
    }

    /// <summary>Says QUIT (when <paramref name="quit"/>) and closes.</summary>
    public async Task DisconnectAsync(bool quit = true, CancellationToken cancellationToken = default)
    {
        if (_connection is null) return;
        try
        {
            if (quit) await CommandAsync("QUIT", cancellationToken).ConfigureAwait(false);
            await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpConnectionException or IOException or TimeoutException)
        {
            // Leaving anyway.
        }
        finally
        {
            await AbortAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);

    private async Task AbortAsync()
    {
        var c = _connection;
        _connection = null;
        IsAuthenticated = false;
        Capabilities = SmtpServerCapabilities.Empty;
        if (c is not null) await c.DisposeAsync().ConfigureAwait(false);
    }

    private void EnsureConnected()
    {
        if (_connection is null) throw new InvalidOperationException("not connected");
    }

    /// <summary>Sends one command line and reads its reply.</summary>
    private async Task<Reply> CommandAsync(string line, CancellationToken cancellationToken)
    {
        EnsureConnected();
        Write(line);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Write(string line) => _connection!.Writer.WriteLine(line);

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection!.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not SmtpConnectionException)
        {
            throw await ProtocolAsync("the connection failed while sending: " + e.Message, e).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Reply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        Reply reply;
        try
        {
            reply = await ReplyReader.ReadAsync(_connection!.Reader, strict: true, parseEnhancedCodes: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException)
        {
            throw await ProtocolAsync(e is IncompleteReadException
                ? "the server closed the connection"
                : "bad reply from the server: " + e.Message, e).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
        if (reply.Code == 421)
        {
            await AbortAsync().ConfigureAwait(false);
            throw new SmtpRefusedException(SmtpRefusal.UnexpectedStatusCode, 421, $"the server is closing the connection: {reply.Text}", reply.EnhancedCode);
        }
        return reply;
    }

    private async Task<SmtpConnectionException> ProtocolAsync(string message, Exception? inner = null)
    {
        await AbortAsync().ConfigureAwait(false);
        return new SmtpConnectionException(message, inner);
    }

    private static SmtpRefusedException Command(SmtpRefusal error, Reply reply, string what) =>
        new(error, reply.Code, $"{what}: {reply.Code} {reply.Text}", reply.EnhancedCode);

    private static bool IsAscii(string s) => Ascii.IsValid(s);

    private static bool NeedsEightBit(ReadOnlySpan<byte> data) => !Ascii.IsValid(data);
}
