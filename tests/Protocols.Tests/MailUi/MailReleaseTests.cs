using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;

namespace Protocols.Tests.MailUi;

/// <summary>Issue 16.2: <c>POST api/messages/{id}/release</c> sends the captured bytes with our SMTP client to a real
/// server (an <see cref="SmtpTestServer"/> on port 0): bytes and envelope as asked, STARTTLS + AUTH, refusals, bad input.</summary>
public class MailReleaseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private const string Raw = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Release me\r\nX-Odd:   kept   as is\r\n\r\nline one\r\n.leading dot\r\n\u00e9t\u00e9 8-bit\r\n";

    private static async Task<(HttpStatusCode Status, JsonElement Json)> ReleaseAsync(HttpClient client, string id, string json,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/messages/{id}/release") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        configure?.Invoke(request);
        using var response = await client.SendAsync(request).WaitAsync(Timeout);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Test]
    public async Task Release_sends_the_captured_bytes_unchanged_with_the_envelope_recipients_or_the_ones_asked()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw, "alice@example.com", "bob@example.com", "carol@example.com");

        var (status, json) = await ReleaseAsync(host.Client, stored.Id, $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port}}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        Assert.That(json.GetProperty("code").GetInt32(), Is.EqualTo(250));
        var first = await smtp.WaitForMessageAsync(Timeout);
        Assert.That(first.Raw.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes(Raw)), "the bytes arrive as captured");
        Assert.That(first.Envelope.From, Is.EqualTo("alice@example.com"));
        Assert.That(first.Envelope.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "bob@example.com", "carol@example.com" }));

        smtp.Reset();
        (status, json) = await ReleaseAsync(host.Client, stored.Id, $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port},\"tls\":\"none\",\"recipients\":[\"dave@example.org\"]}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        var second = await smtp.WaitForMessageAsync(Timeout);
        Assert.That(second.Envelope.Recipients.Select(r => r.Address), Is.EqualTo(new[] { "dave@example.org" }));
        Assert.That(second.Raw.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes(Raw)));

        // The detail shows the last relay.
        var detail = JsonDocument.Parse(await host.Client.GetStringAsync($"api/messages/{stored.Id}").WaitAsync(Timeout)).RootElement;
        Assert.That(detail.GetProperty("relay").GetProperty("ok").GetBoolean(), Is.True);
        Assert.That(detail.GetProperty("relay").GetProperty("recipients")[0].GetString(), Is.EqualTo("dave@example.org"));
    }

    [Test]
    public async Task Release_with_starttls_and_auth_to_a_self_signed_server_and_the_password_is_never_shown()
    {
        const string password = "s3cret-Pa55word";
        await using var smtp = await SmtpTestServer.StartAsync(o =>
        {
            o.Authenticator = SmtpAuthenticator.Single("relay-user", password);
            o.RequireAuthentication = true;
        });
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw, "alice@example.com", "bob@example.com");

        // Without insecure, the self-signed certificate is refused: 502, nothing sent.
        var (status, json) = await ReleaseAsync(host.Client, stored.Id,
            $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port},\"tls\":\"starttls\",\"user\":\"relay-user\",\"password\":\"{password}\"}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway), json.ToString());
        Assert.That(json.GetProperty("reply").GetString(), Does.Contain("TLS"));

        (status, json) = await ReleaseAsync(host.Client, stored.Id,
            $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port},\"tls\":\"starttls\",\"user\":\"relay-user\",\"password\":\"{password}\",\"insecure\":true}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        var received = await smtp.WaitForMessageAsync(Timeout);
        Assert.That(received.IsTls, Is.True);
        Assert.That(received.AuthenticatedUser, Is.EqualTo("relay-user"));
        Assert.That(received.Raw.ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes(Raw)));

        var transcript = json.GetProperty("transcript").GetString()!;
        Assert.That(transcript, Does.Contain("AUTH"), "the transcript records the AUTH exchange");
        var detail = await host.Client.GetStringAsync($"api/messages/{stored.Id}").WaitAsync(Timeout);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0relay-user\0" + password));
        foreach (var shown in new[] { json.ToString(), detail })
        {
            Assert.That(shown, Does.Not.Contain(password));
            Assert.That(shown, Does.Not.Contain(plain));
            Assert.That(shown, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes(password))));
        }
    }

    [Test]
    public async Task Release_over_implicit_tls()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        var (status, json) = await ReleaseAsync(host.Client, stored.Id, $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.TlsPort},\"tls\":\"implicit\",\"insecure\":true}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        Assert.That((await smtp.WaitForMessageAsync(Timeout)).IsTls, Is.True);
    }

    [Test]
    public async Task A_refusing_server_gets_502_with_its_reply_and_the_detail_shows_it()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Faults.Reply("MAIL", 554, "no relaying for you", enhancedCode: "5.7.1");
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        var (status, json) = await ReleaseAsync(host.Client, stored.Id, $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port}}}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(json.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(json.GetProperty("code").GetInt32(), Is.EqualTo(554));
        Assert.That(json.GetProperty("reply").GetString(), Does.Contain("no relaying for you"));
        var detail = JsonDocument.Parse(await host.Client.GetStringAsync($"api/messages/{stored.Id}").WaitAsync(Timeout)).RootElement;
        Assert.That(detail.GetProperty("relay").GetProperty("reply").GetString(), Does.Contain("no relaying for you"));
        Assert.That(smtp.Messages, Is.Empty);

        // Nobody listening: 502 with the connection error, code 0.
        (status, json) = await ReleaseAsync(host.Client, stored.Id, "{\"host\":\"127.0.0.1\",\"port\":1}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(json.GetProperty("code").GetInt32(), Is.Zero);
        Assert.That(json.GetProperty("reply").GetString(), Does.Contain("could not connect"));
    }

    [TestCase("not json", "expected JSON")]
    [TestCase("[1]", "expected JSON")]
    [TestCase("null", "expected a JSON object")]
    [TestCase("{\"port\":25}", "host:")]
    [TestCase("{\"host\":\"a b\",\"port\":25}", "host:")]
    [TestCase("{\"host\":\"127.0.0.1\"}", "port:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":0}", "port:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":65536}", "port:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":25,\"tls\":\"ssl\"}", "tls:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":25,\"password\":\"x\"}", "user:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":25,\"recipients\":[]}", "recipients:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":25,\"recipients\":[\"no-at-sign\"]}", "recipients:")]
    [TestCase("{\"host\":\"127.0.0.1\",\"port\":25,\"recipients\":[\"a@b>\\r\\nRCPT TO:<x@y\"]}", "recipients:")]
    public async Task Bad_input_gets_400_naming_the_field(string body, string field)
    {
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        var (status, json) = await ReleaseAsync(host.Client, stored.Id, body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(json.GetProperty("error").GetString(), Does.Contain(field));
    }

    [Test]
    public async Task Recipients_at_the_limit_pass_validation_and_one_past_is_refused()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        string Body(int n) => $"{{\"host\":\"127.0.0.1\",\"port\":1,\"recipients\":[{string.Join(',', Enumerable.Range(0, n).Select(i => $"\"r{i}@example.com\""))}]}}";
        var (status, _) = await ReleaseAsync(host.Client, stored.Id, Body(100));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway), "100 recipients are accepted (then port 1 refuses the connection)");
        var (over, json) = await ReleaseAsync(host.Client, stored.Id, Body(101));
        Assert.That(over, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(json.GetProperty("error").GetString(), Does.Contain("recipients:"));
    }

    [Test]
    public async Task A_request_body_past_16_KiB_gets_413()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        var padding = new string(' ', 16 * 1024);
        var (status, _) = await ReleaseAsync(host.Client, stored.Id, "{\"host\":\"127.0.0.1\",\"port\":1}" + padding);
        Assert.That(status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        var atLimit = "{\"host\":\"127.0.0.1\",\"port\":1}";
        (status, _) = await ReleaseAsync(host.Client, stored.Id, atLimit + new string(' ', 16 * 1024 - atLimit.Length));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadGateway), "exactly 16 KiB is read (then port 1 refuses)");
    }

    [Test]
    public async Task Unknown_id_gets_404_cross_origin_gets_403_and_get_gets_405()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var host = await MailUiTestHost.StartAsync();
        var stored = await host.AddAsync(Raw);
        var ok = $"{{\"host\":\"127.0.0.1\",\"port\":{smtp.Port}}}";
        var (status, _) = await ReleaseAsync(host.Client, "no-such-id", ok);
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        (status, _) = await ReleaseAsync(host.Client, stored.Id, ok, r => r.Headers.Add("Origin", "http://evil.example"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        (status, _) = await ReleaseAsync(host.Client, stored.Id, ok, r => r.Headers.Add("Sec-Fetch-Site", "cross-site"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden));
        using var get = await host.Client.GetAsync($"api/messages/{stored.Id}/release").WaitAsync(Timeout);
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(smtp.Messages, Is.Empty, "nothing was relayed");
    }
}
