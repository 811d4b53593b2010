using Protocols.Servers.Hosting;
using Protocols.Servers.MailUi;

namespace Protocols.Cli.Serve;

/// <summary>Validates, starts the stack, prints the banner and a line per captured message, and stops on Ctrl+C (the token).</summary>
internal static class ServeRunner
{
    public static async Task<int> RunAsync(ServeSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        Action<DevStack>? started = null)
    {
        if (settings.Validate() is { } problem)
        {
            await error.WriteLineAsync($"proto serve: {problem}").ConfigureAwait(false);
            return 2;
        }
        DevStack stack;
        try
        {
            stack = await DevStack.StartAsync(settings.ToOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"proto serve: {OneLine(ex)}").ConfigureAwait(false);
            return 1;
        }
        await using (stack.ConfigureAwait(false))
        {
            var gate = new SemaphoreSlim(1, 1);
            void OnChanged(object? sender, CapturedMailChangedEventArgs e)
            {
                if (e.Kind != CapturedMailChangeKind.Added || e.Mail is not { } mail) return;
                var summary = CapturedMailApp.Summarize(mail);
                var line = $"{mail.ReceivedAt.ToLocalTime():HH:mm:ss} mail {summary.EnvelopeFrom} -> {string.Join(", ", summary.EnvelopeTo)}: {summary.Subject ?? "(no subject)"} ({summary.Size} bytes)";
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
            stack.Capture.Changed += OnChanged;
            started?.Invoke(stack);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Stopping.").ConfigureAwait(false);
            }
            finally
            {
                stack.Capture.Changed -= OnChanged;
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
            "proto serve: SMTP, POP3, FTP and HTTP in one process",
            $"  SMTP   {stack.Smtp}   captures every message{(tls ? " (STARTTLS offered)" : "")}",
            $"  POP3   {stack.Pop3}   reads the captured mail, any user and password{(tls ? " (STLS offered)" : "")}",
            $"  FTP    {stack.Ftp}   {root} ({(settings.Write ? "read-write" : "read-only")}, user anonymous){(tls ? " (AUTH TLS offered)" : "")}",
            $"  HTTP   {stack.Host["http"]}   {root}{(settings.Write ? " (uploads on)" : "")}",
            $"  Mail   {stack.MailPage}   the captured mail, live (its own origin: pages in the root cannot reach it)",
            settings.Store is null ? "  Mail is kept in memory." : $"  Mail is kept as .eml files under {Path.GetFullPath(settings.Store)}.",
            tls ? "  TLS uses a self-signed certificate made now (curl -k, swaks --tls-verify off)." : "",
            "Press Ctrl+C to stop.",
        ];
    }

    private static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ");
}
