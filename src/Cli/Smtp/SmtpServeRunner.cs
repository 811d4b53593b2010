using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Protocols.Cli.Common;
using Protocols.Net;
using Protocols.Servers.Mail;
using Protocols.Servers.Smtp;

namespace Protocols.Cli.Smtp;

internal sealed record SmtpServeSettings(string Host, int Port, string? Store, long? MaxSize, string? User, string? Password,
    string? TlsCert, string? TlsKey, bool Tls, int? TlsPort = null, MailRetention? Retention = null)
{
    /// <summary><c>--print</c>: each message to stdout as mboxrd, the summary lines to stderr.</summary>
    public bool Print { get; init; }
}

/// <summary>Runs <c>proto smtp serve</c> until cancelled. Exit codes: 0 stopped; 1 could not listen or open the store; 2 bad arguments.</summary>
internal static class SmtpServeRunner
{
    public static async Task<int> RunAsync(SmtpServeSettings s, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (ServerOptions.Check(s.Host, s.Port, s.User, s.Password, s.TlsCert, s.TlsKey, s.TlsPort) is { } problem) return Usage(stderr, problem);
        var address = IPAddress.Parse(s.Host);
        var tls = s.Tls || s.TlsCert is not null || s.TlsPort is not null;
        if (s.MaxSize is < 0) return Usage(stderr, "--max-size must be 0 (no limit) or more");

        var options = new SmtpServerOptions();
        try
        {
            if (s.TlsCert is not null) options.Certificate = SelfSignedCertificate.LoadPem(s.TlsCert, s.TlsKey!);
            else if (tls) options.Certificate = SelfSignedCertificate.Create();
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
                $"{m.ReceivedAt:yyyy-MM-ddTHH:mm:ssZ} {m.Id} from <{m.From}> to {string.Join(", ", m.To.Select(t => $"<{t}>"))} {m.Size} bytes{(m.IsTls ? " tls" : "")}{(m.AuthenticatedUser is { } u ? " auth=" + u : "")}");
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
            server = await SmtpServer.StartAsync(options, new IPEndPoint(address, s.Port),
                s.TlsPort is { } smtps ? new IPEndPoint(address, smtps) : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return VerbRunner.Cancelled(stderr);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            VerbRunner.Error(stderr, e is Protocols.Servers.Hosting.EndpointBindException ? e.Message : $"cannot listen on {s.Host}:{s.Port}: {e.Message}");
            return ExitCodes.Failed;
        }
        await using (server.ConfigureAwait(false))
        {
            var smtpsLine = server.ImplicitTlsEndPoint is { } i ? $", SMTPS on {i}" : "";
            await stderr.WriteLineAsync($"proto: SMTP on {server.EndPoint}{(options.Certificate is not null ? " (STARTTLS)" : "")}{smtpsLine}{(s.Store is not null ? $", storing in {s.Store}" : "")}; Ctrl+C to stop").ConfigureAwait(false);
            await ServerOptions.WaitForStopAsync(cancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    private static int Usage(TextWriter stderr, string message) => VerbRunner.Usage(stderr, message);
}
