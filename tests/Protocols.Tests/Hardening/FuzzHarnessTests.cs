namespace Protocols.Tests.Hardening;

/// <summary>The fuzz harness must be able to fail: an untyped error and a hang are both reported.</summary>
public class FuzzHarnessTests
{
    [Test]
    public void An_untyped_error_fails_the_check() =>
        Assert.That(() => Fuzz.Check("meta", [[1, 2, 3]], input =>
            input.Contains((byte)'\r') ? throw new InvalidOperationException("boom") : Task.CompletedTask,
            e => e is IOException), Throws.Exception.With.Message.Contains("boom"));

    [Test]
    public void A_hang_fails_the_check() =>
        Assert.That(() => Fuzz.Check("meta", [[1]], _ => Task.Delay(Timeout.Infinite), _ => true, TimeSpan.FromMilliseconds(50)),
            Throws.Exception.With.Message.Contains("a hang"));
}
