using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Protocols.Net;
using Protocols.Smtp;

namespace Protocols.Tests.Smtp;

/// <summary>Our client against real servers: aiosmtpd (recording handler) and postfix smtp-sink (its dump files).</summary>
public class SmtpClientInteropTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(15);

    private static readonly byte[] Message = Encoding.UTF8.GetBytes(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: interop\r\n\r\n.leading dot\r\n..two dots\r\nGrüße 8bit\r\n.\r\nend\r\n");

    private static SmtpClient NewClient() => new() { Timeout = T, Tls = new TlsClientOptions { AcceptAnyCertificate = true } };

    [Test]
    public async Task ToAiosmtpdPlainWithPipeliningByteForByte()
    {
        await using var peer = await SmtpPeerServer.StartAiosmtpdAsync();
        await using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", peer.Port, SmtpEncryption.None).WaitAsync(T);
        var result = await client.SendAsync(Message, "a@example.org", ["b@example.org", "c@example.org"]).WaitAsync(T);
        Assert.That(result.AllAccepted, Is.True);
        var second = await client.SendAsync(Message, "jörg@example.org", ["δοκιμή@example.org"]).WaitAsync(T);
        Assert.That(second.AllAccepted, Is.True);
        await client.DisconnectAsync(true).WaitAsync(T);

        var emls = await peer.WaitForFilesAsync("*.eml", 2);
        Assert.That(emls, Has.Length.EqualTo(2));
        Assert.That(await File.ReadAllBytesAsync(emls[0]), Is.EqualTo(Message));
        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(emls[0], ".json")));
        Assert.That(meta.RootElement.GetProperty("to").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "b@example.org", "c@example.org" }));
        Assert.That(meta.RootElement.GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()), Does.Contain("BODY=8BITMIME"));
        using var meta2 = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(emls[1], ".json")));
        Assert.That(meta2.RootElement.GetProperty("from").GetString(), Is.EqualTo("jörg@example.org"));
        Assert.That(meta2.RootElement.GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()), Does.Contain("SMTPUTF8"));
    }

    [Test]
    public async Task ToAiosmtpdWithStartTlsAndAuth()
    {
        using var cert = SelfSignedCertificate.Create();
        var certPem = Path.GetTempFileName();
        var keyPem = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(certPem, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPem, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            await using var peer = await SmtpPeerServer.StartAiosmtpdAsync(certPem, keyPem);
            foreach (var mechanism in new[] { "PLAIN", "LOGIN" })
            {
                await using var client = NewClient();
                await client.ConnectAsync("127.0.0.1", peer.Port, SmtpEncryption.StartTls).WaitAsync(T);
                Assert.That(client.IsSecure, Is.True);
                var wrong = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.AuthenticateAsync(mechanism, "user", "nope").WaitAsync(T));
                Assert.That(wrong!.StatusCode, Is.EqualTo(535));
                await client.AuthenticateAsync(mechanism, "user", "pass").WaitAsync(T);
                await client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T);
                await client.DisconnectAsync(true).WaitAsync(T);
            }
            var emls = await peer.WaitForFilesAsync("*.eml", 2);
            Assert.That(emls, Has.Length.EqualTo(2));
            foreach (var eml in emls)
            {
                Assert.That(await File.ReadAllBytesAsync(eml), Is.EqualTo(Message));
                using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(eml, ".json")));
                Assert.That(meta.RootElement.GetProperty("tls").GetBoolean(), Is.True);
                Assert.That(meta.RootElement.GetProperty("login").GetString(), Is.EqualTo("user"));
            }
        }
        finally
        {
            File.Delete(certPem);
            File.Delete(keyPem);
        }
    }

    [Test]
    public async Task ToSmtpSinkWithAuthAndPipelining()
    {
        await using var peer = await SmtpPeerServer.StartSmtpSinkAsync();
        await using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", peer.Port, SmtpEncryption.None).WaitAsync(T);
        Assert.That(client.Capabilities.Has(SmtpCapabilityFlags.Pipelining), Is.True);
        // smtp-sink offers AUTH PLAIN LOGIN over plaintext and accepts any credentials.
        await client.AuthenticateAsync("PLAIN", "user", "pass").WaitAsync(T);
        for (var i = 0; i < 3; i++)
        {
            var r = await client.SendAsync(Message, "a@example.org", ["b@example.org", "c@example.org"]).WaitAsync(T);
            Assert.That(r.AllAccepted, Is.True);
        }
        await client.DisconnectAsync(true).WaitAsync(T);
        var dumps = await peer.WaitForFilesAsync("*", 3);
        Assert.That(dumps, Has.Length.EqualTo(3));
        foreach (var dump in dumps)
        {
            var text = await File.ReadAllTextAsync(dump);
            Assert.That(text, Does.Contain("X-Mail-Args: <a@example.org>"));
            Assert.That(text, Does.Contain("X-Rcpt-Args: <b@example.org>"));
            Assert.That(text, Does.Contain("X-Rcpt-Args: <c@example.org>"));
            // smtp-sink dumps with LF line ends after its own headers and a Received: line; the body must follow intact.
            var expected = Encoding.UTF8.GetString(Message).Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.That(text, Does.EndWith(expected + "\n"));
        }
    }

    [Test]
    public async Task SmtpSinkRefusalsArePerRecipient()
    {
        // -r RCPT makes smtp-sink reject every RCPT with a 5xx hard error... then nothing is accepted.
        await using var peer = await SmtpPeerServer.StartSmtpSinkAsync("-r", "RCPT");
        await using var client = NewClient();
        await client.ConnectAsync("127.0.0.1", peer.Port, SmtpEncryption.None).WaitAsync(T);
        var e = await Assert.ThrowsAsync<SmtpRefusedException>(() => client.SendAsync(Message, "a@example.org", ["b@example.org"]).WaitAsync(T));
        Assert.That(e!.ErrorCode, Is.EqualTo(SmtpRefusal.RecipientNotAccepted));
        Assert.That(e.Recipients.Single().StatusCode, Is.GreaterThanOrEqualTo(400));
        await client.NoOpAsync().WaitAsync(T);
    }
}
