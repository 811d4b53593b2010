using Protocols.Http;
using Spectre.Console;

namespace Protocols.Cli.Http;

/// <summary>Copies a response body, with a progress bar on stderr when asked (only on a terminal).</summary>
internal static class DownloadProgress
{
    public static async Task<long> CopyAsync(HttpResponse response, Stream destination, bool showBar, CancellationToken cancellationToken)
    {
        if (!showBar) return await response.CopyToAsync(destination, null, cancellationToken).ConfigureAwait(false);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        long written = 0;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(response.Uri.Segments[^1].Length > 1 ? response.Uri.Segments[^1] : response.Uri.Host, maxValue: response.ContentLength ?? 0);
                task.IsIndeterminate = response.ContentLength is null;
                var progress = new Progress(task);
                written = await response.CopyToAsync(destination, progress, cancellationToken).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
            }).ConfigureAwait(false);
        return written;
    }

    /// <summary>Sets the bar's value directly on the copying thread (Spectre refreshes on its own timer).</summary>
    private sealed class Progress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }
}
