using Protocols.Servers.Hosting;

namespace Protocols.Tests.Serve;

/// <summary>
/// <see cref="SocketEngine.UseEventLoop"/> (what proto calls first in Main): which runtime variables it sets, and that a
/// value the user put in the environment wins. (The engine itself is the runtime's; proto's CLI tests run it.)
/// </summary>
public class SocketEngineTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] set)
    {
        var values = set.ToDictionary(v => v.Name, v => v.Value);
        return name => values.TryGetValue(name, out var value) ? value : null;
    }

    [Test]
    public void An_empty_environment_gets_inline_completions_on_half_the_processors()
    {
        var settings = SocketEngine.Settings(Env()).ToList();
        Assert.That(settings, Is.EqualTo(new[]
        {
            ("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1"),
            ("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Math.Max(1, Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        }));
        Assert.That(SocketEngine.IsOn(Env([.. settings])), Is.True);
    }

    [Test]
    public void The_users_inline_completions_setting_wins()
    {
        var off = Env(("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "0"));
        Assert.That(SocketEngine.Settings(off), Is.Empty);
        Assert.That(SocketEngine.IsOn(off), Is.False);
    }

    [Test]
    public void The_users_thread_count_wins()
    {
        var settings = SocketEngine.Settings(Env(("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", "2"))).ToList();
        Assert.That(settings, Is.EqualTo(new[] { ("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1") }));
    }
}
