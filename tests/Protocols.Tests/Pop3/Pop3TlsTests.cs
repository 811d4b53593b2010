using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Protocols.Net;
using Protocols.Servers.Pop3;

namespace Protocols.Tests.Pop3;

public class Pop3TlsTests
{
    private static X509Certificate2? _certificate;

    [OneTimeSetUp]
    public void MakeCertificate() => _certificate = SelfSignedCertificate.Create();

    [OneTimeTearDown]
    public void DropCertificate() => _certificate?.Dispose();

    private static SslClientAuthenticationOptions TrustAll() => new()
    {
        TargetHost = "localhost",
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    };

    private static InMemoryPop3Mailbox Mailbox()
    {
        var mailbox = new InMemoryPop3Mailbox();
        mailbox.Add("Subject: secret\r\n\r\nbody\r\n");
        return mailbox;
    }

    [Test]
    public async Task Stls_upgrades_then_capa_drops_stls_and_login_works()
    {
        var options = new Pop3ServerOptions { Certificate = _certificate, AllowPlaintextLogin = false };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        var before = await peer.MultiLineCommandAsync("CAPA");
        Assert.That(before, Does.Contain("STLS").And.Not.Contain("USER"));
        Assert.That(await peer.CommandAsync("STLS"), Is.EqualTo("+OK begin TLS negotiation"));
        await peer.Client.UpgradeToTlsAsync(TrustAll()).WaitAsync(TimeSpan.FromSeconds(10));
        var after = await peer.MultiLineCommandAsync("CAPA");
        Assert.That(after, Does.Contain("USER").And.Not.Contain("STLS"));
        Assert.That(await peer.CommandAsync("STLS"), Is.EqualTo("-ERR already under TLS"));
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
        Assert.That(await peer.CommandAsync("PASS secret"), Does.StartWith("+OK maildrop has 1"));
    }

    [Test]
    public async Task Commands_pipelined_behind_stls_are_discarded_not_run_under_tls()
    {
        var options = new Pop3ServerOptions { Certificate = _certificate };
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox(), options);
        // An attacker in the middle appends a command to the plaintext STLS line: it must never count as sent over TLS.
        await peer.Client.Writer.WriteAsync("STLS\r\nUSER injected\r\n"u8.ToArray()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(await peer.ReadLineAsync(), Is.EqualTo("+OK begin TLS negotiation"));
        await peer.Client.UpgradeToTlsAsync(TrustAll(), PlaintextPolicy.Discard).WaitAsync(TimeSpan.FromSeconds(10));
        // Had "USER injected" run, PASS would now be accepted for that user; it must say USER first.
        Assert.That(await peer.CommandAsync("PASS secret"), Is.EqualTo("-ERR send USER first"));
    }

    [Test]
    public async Task Stls_without_a_certificate_is_refused_and_the_session_goes_on()
    {
        await using var peer = await Pop3TestPeer.StartAsync(Mailbox());
        Assert.That(await peer.CommandAsync("STLS"), Is.EqualTo("-ERR STLS is not available"));
        Assert.That(await peer.CommandAsync("USER alice"), Does.StartWith("+OK"));
    }
}
