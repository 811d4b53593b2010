namespace Protocols.Servers.MailUi;

/// <summary>Waiting for a message that matches, on any <see cref="ICapturedMailSource"/>.</summary>
public static class CapturedMailWaiter
{
    /// <summary>
    /// Returns the newest message already held that matches, or the first matching one to arrive within
    /// <paramref name="timeout"/>; null when none did. The caller's cancellation throws.
    /// </summary>
    public static async Task<CapturedMail?> WaitForAsync(this ICapturedMailSource source, Func<CapturedMail, bool> match, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(match);
        var arrived = new TaskCompletionSource<CapturedMail>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, CapturedMailChangedEventArgs e)
        {
            if (e.Kind == CapturedMailChangeKind.Added && e.Mail is { } mail && match(mail)) arrived.TrySetResult(mail);
        }
        // Subscribe before looking, so nothing arriving in between is missed.
        source.Changed += OnChanged;
        try
        {
            var held = await source.ListAsync(cancellationToken).ConfigureAwait(false);
            for (var i = held.Count - 1; i >= 0; i--)
            {
                if (match(held[i])) return held[i];
            }
            try
            {
                return await arrived.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
        finally
        {
            source.Changed -= OnChanged;
        }
    }
}
