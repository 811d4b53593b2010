using Protocols.Tests.Pop3;

namespace Protocols.Tests.Support;

/// <summary>
/// Runs <c>scripts/install-peers.sh --check</c>, so a machine that lacks a peer capability (swaks without TLS, curl
/// without IMAP, no PostgreSQL server...) fails here with the list of what is missing, not deep inside an interop test.
/// </summary>
public class PeerCapabilityTests
{
    [Test]
    public async Task Every_peer_capability_the_tests_need_is_present()
    {
        var script = Path.Combine(Repository.Root, "scripts", "install-peers.sh");
        var (exitCode, stdout, stderr) = await PeerRunner.RunAsync("/bin/bash", [script, "--check"], timeout: TimeSpan.FromSeconds(60));
        Assert.That(exitCode, Is.Zero, $"missing peer capabilities (run ./test.sh as root to install them):\n{stderr}");
        Assert.That(stdout, Does.Contain("capabilities present"));
    }
}
