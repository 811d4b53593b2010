using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Protocols.Net;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Cli.Smtp;

internal sealed record SmtpServeSettings(string Host, int Port, string? Store, long? MaxSize, string? User, string? Password,
    string? TlsCert, string? TlsKey, bool SelfSigned, MailRetention? Retention = null)
{
    /// <summary><c>--print</c>: each message to stdout as mboxrd, the summary lines to stderr.</summary>
    public bool Print { get; init; }
}

/// <summary>Runs <c>proto smtp serve</c> until cancelled. Exit codes: 0 stopped; 1 the store cannot be opened; 2 bad arguments; 3 could not listen.</summary>
internal static class SmtpServeRunner
{
    public static async Task<int> RunAsync(SmtpServeSettings s, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if ((s.User is null) != (s.Password is null)) return Usage(stderr, "--user and --password go together");
        if ((s.TlsCert is null) != (s.TlsKey is null)) return Usage(stderr, "--tls-cert and --tls-key go together");
        if (s.SelfSigned && s.TlsCert is not null) return Usage(stderr, "--self-signed and --tls-cert exclude each other");
        if (!IPAddress.TryParse(s.Host, out var address)) return Usage(stderr, $"--host must be an IP address: {s.Host}");
        if (s.Port is < 0 or > 65535) return Usage(stderr, $"bad --port {s.Port}");
        if (s.MaxSize is < 0) return Usage(stderr, "--max-size must be 0 (no limit) or more");

        var options = new SmtpServerOptions();
        try
        {
            if (s.TlsCert is not null) options.Certificate = SelfSignedCertificate.LoadPem(s.TlsCert, s.TlsKey!);
            else if (s.SelfSigned) options.Certificate = SelfSignedCertificate.Create();
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return Usage(stderr, $"could not load the certificate: {e.Message}");
        }
        if (s.MaxSize is { } max) options.Limits.MaxMessageSize = max;
        // Appends wait for the store's group commit, so sessions keep the thread pool (never the socket threads).
        options.InlineScheduling = false;
        options.RecordTranscript = true;
        if (s.User is not null)
        {
            options.Authenticator = SmtpAuthenticator.Single(s.User, s.Password!);
            options.RequireAuthentication = true;
            if (options.Certificate is null)
            {
                options.AllowInsecureAuth = true;
                await stderr.WriteLineAsync("proto: warning: AUTH over plaintext (no certificate given)").ConfigureAwait(false);
            }
        }

        var print = new DelegateMessageStore((m, _) =>
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{m.ReceivedAt:yyyy-MM-ddTHH:mm:ssZ} {m.Id} from <{m.From}> to {string.Join(", ", m.To.Select(t => $"<{t}>"))} {m.Raw.Length} bytes{(m.IsTls ? " tls" : "")}{(m.AuthenticatedUser is { } u ? " auth=" + u : "")}");
            if (!s.Print)
            {
                lock (stdout) stdout.WriteLine(line);
                return ValueTask.CompletedTask;
            }
            var mbox = Mbox.Entry(m.From, m.ReceivedAt, m.Raw.Span);
            lock (stdout)
            {
                stdout.Write(mbox);
                stdout.Flush();
            }
            lock (stderr) stderr.WriteLine(line);
            return ValueTask.CompletedTask;
        });
        IMailStore mail;
        try
        {
            mail = await MailStores.OpenAsync(s.Store, s.Retention, StoreLog.Factory.CreateLogger("Protocols.Servers.Mail"), cancellationToken).ConfigureAwait(false);
        }
        catch (MailStoreException e)
        {
            await stderr.WriteLineAsync($"proto: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        await using var closeStore = mail.ConfigureAwait(false);
        options.Store = new CompositeMessageStore(new MailStoreSmtpStore(mail), print);

        SmtpServer server;
        try
        {
            server = await SmtpServer.StartAsync(options, new IPEndPoint(address, s.Port), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            await stderr.WriteLineAsync($"proto: cannot listen on {s.Host}:{s.Port}: {e.Message}").ConfigureAwait(false);
            return 3;
        }
        await using (server.ConfigureAwait(false))
        {
            await stderr.WriteLineAsync($"proto: SMTP on {server.EndPoint}{(options.Certificate is not null ? " (STARTTLS)" : "")}{(s.Store is not null ? $", storing in {s.Store}" : "")}; Ctrl+C to stop").ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly.
            }
        }
        return 0;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine($"proto: {message}");
        return 2;
    }
}
