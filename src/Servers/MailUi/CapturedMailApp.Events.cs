using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Protocols.Servers.MailUi;

public sealed partial class CapturedMailApp
{
    /// <summary>
    /// The live stream (Server-Sent Events): <c>ready</c> once subscribed (load the list now), <c>added</c> with a
    /// summary, <c>deleted</c> with an id, <c>cleared</c>, <c>stats</c> when counters change, <c>changed</c> with a summary whose flags changed, <c>reset</c> when this
    /// reader fell too far behind (reload the list); a comment line as a heartbeat.
    /// </summary>
    private async Task EventsAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        if (HttpMethods.IsHead(context.Request.Method)) return; // the headers only: a HEAD must not hold its connection as a stream
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var cancellationToken = lifetime.Token;

        var queue = Channel.CreateBounded<string>(new BoundedChannelOptions(_options.MaxEventBacklog)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var overflowed = 0;
        void Enqueue(string frame)
        {
            if (!queue.Writer.TryWrite(frame)) Interlocked.Exchange(ref overflowed, 1);
        }
        void OnChanged(object? sender, Mail.MailChange e) => Enqueue(e.Kind switch
        {
            Mail.MailChangeKind.Added => Frame("added", ToJson(MailSummary.Of(e.Summary!), MailJsonContext.Default.MailSummary)),
            Mail.MailChangeKind.FlagsChanged => Frame("changed", ToJson(MailSummary.Of(e.Summary!), MailJsonContext.Default.MailSummary)),
            Mail.MailChangeKind.Deleted or Mail.MailChangeKind.Pruned => Frame("deleted", System.Text.Json.JsonSerializer.Serialize(e.Id, MailJsonContext.Default.String)),
            _ => Frame("cleared", "{}"),
        });

        _store.Changed += OnChanged;
        using var ticker = new PeriodicTimer(_options.StatsInterval);
        var ticks = Task.Run(async () =>
        {
            string? lastStats = null;
            var sinceBeat = TimeSpan.Zero;
            try
            {
                while (await ticker.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    var stats = ToJson(await StatsAsync(cancellationToken).ConfigureAwait(false), MailJsonContext.Default.MailStats);
                    sinceBeat += _options.StatsInterval;
                    if (stats != lastStats)
                    {
                        lastStats = stats;
                        Enqueue(Frame("stats", stats));
                    }
                    else if (sinceBeat >= _options.HeartbeatInterval)
                    {
                        sinceBeat = TimeSpan.Zero;
                        Enqueue(": heartbeat\n\n");
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The client left: the stream ends.
            }
        }, CancellationToken.None);
        try
        {
            var ready = await StatsAsync(cancellationToken).ConfigureAwait(false);
            await response.WriteAsync("retry: 2000\n\n", cancellationToken).ConfigureAwait(false);
            await response.WriteAsync(Frame("ready", ToJson(ready, MailJsonContext.Default.MailStats)), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref overflowed, 0) == 1)
                {
                    while (queue.Reader.TryRead(out _)) { }
                    await response.WriteAsync(Frame("reset", "{}"), cancellationToken).ConfigureAwait(false);
                }
                while (queue.Reader.TryRead(out var frame)) await response.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client closed the stream, or the server is stopping: the normal end of a live view.
        }
        finally
        {
            _store.Changed -= OnChanged;
            await lifetime.CancelAsync().ConfigureAwait(false);
            await ticks.ConfigureAwait(false);
        }
    }

    private static string Frame(string name, string json) => $"event: {name}\ndata: {json}\n\n";
}
