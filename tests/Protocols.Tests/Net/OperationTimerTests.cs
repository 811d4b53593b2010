using Protocols.Net;

namespace Protocols.Tests.Net;

/// <summary>The reusable per-direction timer: the caller's token cancels only the operation it was given to.</summary>
public class OperationTimerTests
{
    [Test]
    public void ATokenCancelledAfterItsOperationDoesNotCancelALaterOne()
    {
        using var timer = new OperationTimer { Timeout = TimeSpan.FromMinutes(5) };
        using var first = new CancellationTokenSource();
        timer.Start(first.Token);
        timer.Stop();
        var second = timer.Start(CancellationToken.None);
        first.Cancel();
        Assert.That(second.IsCancellationRequested, Is.False);
        timer.Stop();
    }

    [Test]
    public void TheCallersTokenCancelsTheRunningOperation()
    {
        using var timer = new OperationTimer { Timeout = TimeSpan.FromMinutes(5) };
        using var caller = new CancellationTokenSource();
        timer.Start(caller.Token);
        timer.Stop();
        var again = timer.Start(caller.Token); // the same token: registered once, still cancels
        caller.Cancel();
        Assert.That(again.IsCancellationRequested, Is.True);
        Assert.That(timer.HasFired, Is.True);
    }

    [Test]
    public void TheTimeoutFires()
    {
        using var timer = new OperationTimer { Timeout = TimeSpan.FromMilliseconds(20) };
        var token = timer.Start(CancellationToken.None);
        Assert.That(token.WaitHandle.WaitOne(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(timer.HasFired, Is.True);
    }
}
