using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Protocols.Servers.Mail;

/// <summary>
/// Relays each newly stored message whose envelope recipients match a pattern (<c>proto serve --relay-to --relay-match</c>)
/// to a real SMTP server, in the background: capture's 250 never waits for it. Only the matching recipients get the
/// message. One relay at a time from a bounded queue (a full queue skips the message, logged); every result, refused
/// or not, is logged (never the password) and kept in <see cref="MailRelay"/> for the message's detail.
/// </summary>
public sealed class MailAutoRelay : IAsyncDisposable
{
    /// <summary>Most messages waiting to be relayed.</summary>
    public const int MaxQueued = 1000;

    private readonly IMailStore _store;
    private readonly MailRelay _relay;
    private readonly MailRelayTarget _target;
    private readonly Regex _match;
    private readonly ILogger? _logger;
    private readonly Channel<MailSummary> _queue = Channel.CreateBounded<MailSummary>(new BoundedChannelOptions(MaxQueued) { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;

    /// <param name="match">A .NET regular expression matched (case-insensitively, with a 1 s limit) against each envelope recipient.</param>
    public MailAutoRelay(IMailStore store, MailRelay relay, MailRelayTarget target, string match, ILogger? logger = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _relay = relay ?? throw new ArgumentNullException(nameof(relay));
        _target = target ?? throw new ArgumentNullException(nameof(target));
        _match = new Regex(match, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        _logger = logger;
        _store.Changed += OnChanged;
        _worker = Task.Run(RunAsync);
    }

    /// <summary>The recipients of <paramref name="recipients"/> that the pattern matches.</summary>
    public IReadOnlyList<string> Matching(IEnumerable<string> recipients) => [.. recipients.Where(IsMatch)];

    private bool IsMatch(string recipient)
    {
        try
        {
            return _match.IsMatch(recipient);
        }
        catch (RegexMatchTimeoutException)
        {
            _logger?.LogWarning("relay: --relay-match took too long on {Recipient}; not relayed", recipient);
            return false;
        }
    }

    private void OnChanged(object? sender, MailChange change)
    {
        if (change.Kind != MailChangeKind.Added || change.Summary is not { } summary) return;
        if (!summary.EnvelopeTo.Any(IsMatch)) return;
        if (!_queue.Writer.TryWrite(summary))
            _logger?.LogWarning("relay: {MaxQueued} messages are waiting; {Id} is not relayed", MaxQueued, summary.Id);
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var summary in _queue.Reader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    var result = await _relay.ReleaseAsync(_store, summary.Id, _target, Matching(summary.EnvelopeTo), _stopping.Token).ConfigureAwait(false);
                    if (result is null) continue; // deleted before its turn
                    if (result.Ok) _logger?.LogInformation("relay: {Id} to {Target}: {Reply}", summary.Id, _target, result.Reply);
                    else _logger?.LogWarning("relay: {Id} to {Target} failed: {Reply}", summary.Id, _target, result.Reply);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One message's failure (its file gone, a store error) must not stop the relaying of the next.
                    _logger?.LogWarning("relay: {Id} to {Target} failed: {Error}", summary.Id, _target, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // stopping: queued messages stay captured, unrelayed
        }
    }

    public async ValueTask DisposeAsync()
    {
        _store.Changed -= OnChanged;
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
