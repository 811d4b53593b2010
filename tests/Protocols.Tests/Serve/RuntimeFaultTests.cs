using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Protocols.Net;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Serve;

/// <summary><c>api/faults</c> through the real stack: rules PUT over HTTP act on the DevStack's SMTP server at once.</summary>
public class RuntimeFaultTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private DevStack _stack = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _stack = await DevStack.StartAsync(new DevStackOptions { Root = Path.GetTempPath() });
        _http = new HttpClient { BaseAddress = _stack.MailPage, Timeout = Timeout };
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PutAsync(string json, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/faults") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Sec-Fetch-Site", "cross-site");
        }
        return await _http.SendAsync(request);
    }

    private async Task PutOkAsync(string json)
    {
        using var response = await PutAsync(json);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Reply_to_the_second_rcpt_is_listed_and_answered()
    {
        await PutOkAsync("""[{"stage":"rcpt","action":"reply","code":451,"enhancedCode":"4.3.0","text":"try later","nth":2}]""");
        var listed = await _http.GetStringAsync("api/faults");
        Assert.That(listed, Does.Contain("\"stage\":\"rcpt\"").And.Contain("\"code\":451").And.Contain("\"nth\":2"));

        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<c@example.com>"), Is.EqualTo("451 4.3.0 try later"));
        Assert.That(await smtp.SendAsync("RCPT TO:<d@example.com>"), Does.StartWith("250"));
    }

    [TestCase(1.0, "550")]
    [TestCase(0.0, "250")]
    public async Task Probability_one_always_fires_and_zero_never(double probability, string expected)
    {
        await PutOkAsync(string.Create(CultureInfo.InvariantCulture,
            $$"""[{"stage":"mail","action":"reply","code":550,"text":"chaos","probability":{{probability}}}]"""));
        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Does.StartWith(expected));
            Assert.That(await smtp.SendAsync("RSET"), Does.StartWith("250"));
        }
    }

    [Test]
    public async Task Sender_filter_faults_only_that_sender_even_at_later_stages()
    {
        await PutOkAsync("""[{"stage":"rcpt","action":"reply","code":450,"text":"greylisted","senders":["@spam.example"]}]""");
        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        Assert.That(await smtp.SendAsync("MAIL FROM:<ok@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RSET"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("MAIL FROM:<x@SPAM.example>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Is.EqualTo("450 greylisted"));
    }

    [Test]
    public async Task Recipient_filter_faults_only_that_recipient()
    {
        await PutOkAsync("""[{"stage":"rcpt","action":"reply","code":550,"enhancedCode":"5.1.1","text":"no such user","recipients":["ghost@example.com"]}]""");
        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<ghost@example.com>"), Is.EqualTo("550 5.1.1 no such user"));
    }

    [Test]
    public async Task Drop_at_data_closes_the_connection_without_a_reply()
    {
        await PutOkAsync("""[{"stage":"data","action":"drop"}]""");
        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("DATA"), Is.Null, "the connection closes without a reply");
    }

    [Test]
    public async Task Connect_reply_replaces_the_greeting_and_ends_the_session()
    {
        await PutOkAsync("""[{"stage":"connect","action":"reply","code":554,"text":"go away"}]""");
        await using var connection = await Connection.ConnectAsync(_stack.Smtp.Address.ToString(), _stack.Smtp.Port).WaitAsync(Timeout);
        Assert.That(await connection.Reader.ReadLineStringAsync().AsTask().WaitAsync(Timeout), Is.EqualTo("554 go away"));
        Assert.That(await connection.Reader.ReadLineStringAsync().AsTask().WaitAsync(Timeout), Is.Null);
    }

    [Test]
    public async Task After_data_reply_refuses_the_message_and_keeps_nothing()
    {
        await PutOkAsync("""[{"stage":"after-data","action":"reply","code":452,"enhancedCode":"4.3.1","text":"full"}]""");
        await using var smtp = await Dialog.OpenAsync(_stack.Smtp);
        Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("RCPT TO:<b@example.com>"), Does.StartWith("250"));
        Assert.That(await smtp.SendAsync("DATA"), Does.StartWith("354"));
        Assert.That(await smtp.SendAsync("Subject: x\r\n\r\nbody\r\n."), Is.EqualTo("452 4.3.1 full"));
        var list = await _http.GetStringAsync("api/messages");
        Assert.That(list, Does.Contain("\"total\":0"));
    }

    [Test]
    public async Task Delay_holds_one_session_while_another_is_answered_first()
    {
        await PutOkAsync("""[{"stage":"mail","action":"delay","delayMs":3000,"senders":["slow@example.com"]}]""");
        await using var slow = await Dialog.OpenAsync(_stack.Smtp);
        await using var fast = await Dialog.OpenAsync(_stack.Smtp);
        var order = new List<string>();
        var slowTask = slow.SendAsync("MAIL FROM:<slow@example.com>").ContinueWith(t => { lock (order) order.Add("slow " + t.Result); }, TaskScheduler.Default);
        var fastReply = await fast.SendAsync("MAIL FROM:<fast@example.com>");
        lock (order) order.Add("fast " + fastReply);
        await slowTask.WaitAsync(Timeout);
        Assert.That(order, Has.Count.EqualTo(2));
        Assert.That(order[0], Does.StartWith("fast 250"));
        Assert.That(order[1], Does.StartWith("slow 250"));
    }

    [Test]
    public async Task Delete_restores_normal_service()
    {
        await PutOkAsync("""[{"stage":"mail","action":"reply","code":421,"text":"down"}]""");
        await using (var smtp = await Dialog.OpenAsync(_stack.Smtp))
            Assert.That(await smtp.SendAsync("MAIL FROM:<a@example.com>"), Is.EqualTo("421 down"));
        using var deleted = await _http.DeleteAsync("api/faults");
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await _http.GetStringAsync("api/faults"), Is.EqualTo("[]"));
        await RawSmtp.SendAsync(_stack.Smtp, "a@example.com", "b@example.com", "Subject: after\r\n\r\nfine\r\n");
    }

    [TestCase("{not json", "body")]
    [TestCase("""{"stage":"rcpt"}""", "body")]
    [TestCase("""[{"stage":"helo","action":"drop"}]""", "rules[0].stage")]
    [TestCase("""[{"stage":"rcpt","action":"explode"}]""", "rules[0].action")]
    [TestCase("""[{"stage":"rcpt","action":"reply"}]""", "rules[0].code")]
    [TestCase("""[{"stage":"rcpt","action":"reply","code":600}]""", "rules[0].code")]
    [TestCase("""[{"stage":"rcpt","action":"reply","code":451,"enhancedCode":"5.1.1"}]""", "rules[0].enhancedCode")]
    [TestCase("""[{"stage":"rcpt","action":"drop","probability":1.5}]""", "rules[0].probability")]
    [TestCase("""[{"stage":"rcpt","action":"drop","nth":0}]""", "rules[0].nth")]
    [TestCase("""[{"stage":"rcpt","action":"delay"}]""", "rules[0].delayMs")]
    [TestCase("""[{"stage":"rcpt","action":"delay","delayMs":60001}]""", "rules[0].delayMs")]
    [TestCase("""[{"stage":"mail","action":"drop","recipients":["a@b.c"]}]""", "rules[0].recipients")]
    [TestCase("""[{"stage":"mail","action":"drop","senders":["nobody"]}]""", "rules[0].senders[0]")]
    [TestCase("""[{"stage":"mail","action":"drop"},{"stage":"mail","action":"drop","colour":"red"}]""", "rules[1].colour")]
    public async Task Bad_rules_get_400_naming_the_field(string json, string field)
    {
        using var response = await PutAsync(json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain(field + ":"));
        Assert.That(await _http.GetStringAsync("api/faults"), Is.EqualTo("[]"), "a refused PUT changes nothing");
    }

    [Test]
    public async Task Delay_at_the_limit_is_accepted()
    {
        await PutOkAsync("""[{"stage":"rcpt","action":"delay","delayMs":60000}]""");
    }

    [Test]
    public async Task Cross_origin_put_is_refused()
    {
        using var response = await PutAsync("""[{"stage":"mail","action":"drop"}]""", origin: "http://attacker.example");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await _http.GetStringAsync("api/faults"), Is.EqualTo("[]"));
    }

    [Test]
    public async Task Too_large_a_body_is_413()
    {
        using var response = await PutAsync("[" + new string(' ', 70_000) + "]");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task The_page_carries_the_fault_panel_under_its_nonce()
    {
        using var response = await _http.GetAsync("");
        var html = await response.Content.ReadAsStringAsync();
        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.That(nonce, Is.Not.Empty);
        Assert.That(html, Does.Contain("id=\"faults\"").And.Contain("id=\"fault-clear\"").And.Not.Contain("{{"));
        // The page's own script, the Analysis tab's, the Release form's and the fault panel's: each carries the nonce, none lacks it.
        Assert.That(System.Text.RegularExpressions.Regex.Matches(html, "<script nonce=\"" + System.Text.RegularExpressions.Regex.Escape(nonce) + "\"").Count, Is.EqualTo(4),
            "the page's, the Analysis tab's, the Release form's and the fault panel's scripts carry the nonce");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(html, "<script").Count, Is.EqualTo(4), "no script without the nonce");
    }

    /// <summary>An SMTP session past EHLO: each command's last reply line, or null when the server closed.</summary>
    private sealed class Dialog : IAsyncDisposable
    {
        private readonly Connection _connection;

        private Dialog(Connection connection) => _connection = connection;

        public static async Task<Dialog> OpenAsync(IPEndPoint server)
        {
            var dialog = new Dialog(await Connection.ConnectAsync(server.Address.ToString(), server.Port).WaitAsync(Timeout));
            Assert.That(await dialog.ReadAsync(), Does.StartWith("220"));
            Assert.That(await dialog.SendAsync("EHLO test.example"), Does.StartWith("250"));
            return dialog;
        }

        public async Task<string?> SendAsync(string command)
        {
            await _connection.Writer.WriteLineAsync(command).AsTask().WaitAsync(Timeout);
            return await ReadAsync();
        }

        private async Task<string?> ReadAsync()
        {
            while (true)
            {
                string? line;
                try
                {
                    line = await _connection.Reader.ReadLineStringAsync().AsTask().WaitAsync(Timeout);
                }
                catch (IOException)
                {
                    return null; // reset by the server's drop
                }
                if (line is null || line.Length < 4 || line[3] == ' ') return line;
            }
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
