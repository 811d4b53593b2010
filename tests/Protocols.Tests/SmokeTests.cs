namespace Protocols.Tests;

public class SmokeTests
{
    [Test]
    public void Peers_require_finds_sh() => Assert.That(Support.Peers.Require("sh"), Does.EndWith("/sh"));
}
