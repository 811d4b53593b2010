using Protocols.Cli.Common;
using Protocols.Servers.Hosting;
using Protocols.Servers.Mail;

namespace Protocols.Cli.Serve;

/// <summary>Validates, starts the stack, prints the banner and a line per captured message, and stops on Ctrl+C (the token).</summary>
internal static class ServeRunner
{
    public static async Task<int> RunAsync(ServeSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        Action<DevStack>? started = null)
    {
        if (settings.Validate() is { } problem)
        {
            return VerbRunner.Usage(error, problem);
        }
        DevStack stack;
        try
        {
            stack = await DevStack.StartAsync(settings.ToOptions(), StoreLog.Factory, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return VerbRunner.Cancelled(error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or MailStoreException)
        {
            VerbRunner.Error(error, ex.Message);
            return ExitCodes.Failed;
        }
        await using (stack.ConfigureAwait(false))
        {
            var gate = new SemaphoreSlim(1, 1);
            var captured = 0;
            using var enough = new CancellationTokenSource();
            void OnChanged(object? sender, MailChange e)
            {
                if (e.Kind != MailChangeKind.Added || e.Summary is not { } summary) return;
                if (settings.ExitAfter is { } wanted && Interlocked.Increment(ref captured) == wanted) enough.CancelAfter(0);
                var line = $"{summary.ReceivedAt.ToLocalTime():HH:mm:ss} mail {summary.EnvelopeFrom} -> {string.Join(", ", summary.EnvelopeTo)}: {summary.Subject ?? "(no subject)"} ({summary.Size} bytes)";
                gate.Wait(CancellationToken.None);
                try
                {
                    output.WriteLine(line);
                    output.Flush();
                }
                finally
                {
                    gate.Release();
                }
            }
            foreach (var line in Banner(stack, settings).Where(l => l.Length > 0)) await output.WriteLineAsync(line).ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            stack.Store.Changed += OnChanged;
            started?.Invoke(stack);
            using var deadline = new CancellationTokenSource(settings.Timeout ?? Timeout.InfiniteTimeSpan);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enough.Token, deadline.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Stopping.").ConfigureAwait(false);
            }
            finally
            {
                stack.Store.Changed -= OnChanged;
            }
            if (cancellationToken.IsCancellationRequested && !enough.IsCancellationRequested) return 0;
            if (!enough.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                await error.WriteLineAsync($"proto serve: timed out after {settings.Timeout}: {Volatile.Read(ref captured)} of {settings.ExitAfter} messages arrived")
                    .ConfigureAwait(false);
                return 1;
            }
        }
        return 0;
    }

    /// <summary>The startup banner: every endpoint and the page's address.</summary>
    public static IReadOnlyList<string> Banner(DevStack stack, ServeSettings settings)
    {
        var root = Path.GetFullPath(settings.Root);
        var tls = settings.Tls;
        return
        [
            "proto serve: SMTP, POP3, IMAP, FTP and HTTP in one process",
            $"  SMTP   {stack.Smtp}   captures every message{(tls ? " (STARTTLS offered)" : "")}",
            $"  POP3   {stack.Pop3}   reads the captured mail, {(settings.User is { } u ? $"user {u} only" : "any user and password")}{(tls ? " (STLS offered)" : "")}",
            stack.Pop3Tls is { } pop3s ? $"  POP3S  {pop3s}   the same over implicit TLS" : "",
            $"  IMAP   {stack.Imap}   the captured mail, any user and password{(tls ? " (IMAPS: implicit TLS)" : "")}",
            $"  FTP    {stack.Ftp}   {root} ({(settings.Write ? "read-write" : "read-only")}, user anonymous){(tls ? " (AUTH TLS offered)" : "")}",
            $"  HTTP   {stack.Host["http"]}   {root}{(settings.Write ? " (uploads on)" : "")}",
            $"  Mail   {stack.MailPage}   the captured mail, live (its own origin: pages in the root cannot reach it)",
            settings.Store is null ? "  Mail is kept in a temporary store, deleted at exit (--store DIR keeps it)."
                : MailStores.IsPostgres(settings.Store) ? "  Mail is kept in PostgreSQL (shared with other instances)."
                : $"  Mail is kept in {Path.Combine(Path.GetFullPath(settings.Store), "mail.db")} (large messages as .eml files in messages/).",
            settings.Retention is { IsNone: false } r ? $"  Retention: {Retention(r)}; the oldest are pruned and logged." : "",
            settings.RelayTo is { } relay ? $"  Relay: messages to recipients matching /{settings.RelayMatch}/ are relayed to {relay} after capture." : "",
            tls ? "  TLS uses a self-signed certificate made now (curl -k, swaks --tls-verify off)." : "",
            "Press Ctrl+C to stop.",
        ];
    }

    private static string Retention(MailRetention r) => string.Join(", ", new[]
    {
        r.Keep is { } k ? $"at most {k} messages" : null,
        r.MaxBytes is { } b ? $"at most {b} bytes" : null,
        r.MaxAge is { } a ? $"nothing older than {a}" : null,
    }.Where(x => x is not null));
}
