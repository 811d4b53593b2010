using System.Diagnostics;
using System.Net;
using Protocols.Servers.Hosting;
using Protocols.Tests.Serve;

namespace Protocols.Tests.Hardening;

/// <summary>
/// The dev stack's web side tried as a process on the same machine would (issue 14): DNS rebinding through the Host
/// header, a page in the served root reaching the mail API, framing, the reserved prefix, open redirects, and small
/// parser edges. Every request goes to 127.0.0.1. An escape is a request that got what it must not.
/// </summary>
[NonParallelizable]
public class WebStackAttackTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static async Task<(DevStack Stack, DirectoryInfo Root)> StartAsync(bool write = false)
    {
        var root = Directory.CreateTempSubdirectory("proto-web-attack-");
        Directory.CreateDirectory(Path.Combine(root.FullName, "_proto"));
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "_proto", "secret.txt"), "RESERVED-SECRET");
        Directory.CreateDirectory(Path.Combine(root.FullName, "evil.example"));
        Directory.CreateDirectory(Path.Combine(root.FullName, "sub"));
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "big.txt"), new string('x', 1000));
        var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName, Write = write }).WaitAsync(Wait);
        return (stack, root);
    }

    private static IPEndPoint MailEndPoint(DevStack stack) => new(IPAddress.Loopback, stack.MailPage.Port);

    private static string MailPath(DevStack stack, string relative) => stack.MailPage.AbsolutePath + relative;

    private static async Task<string> SendMailAsync(DevStack stack, string subject)
    {
        await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "b@example.com", $"Subject: {subject}\r\n\r\nreset code 123456\r\n").WaitAsync(Wait);
        return (await stack.Capture.ListAsync()).Single(m => m.View.Subject == subject).Id;
    }

    [Test]
    public async Task Host_header_naming_another_host_is_refused_on_every_http_endpoint()
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        var watch = Stopwatch.StartNew();
        long tried = 0, escapes = 0;
        try
        {
            await SendMailAsync(stack, "rebind");
            foreach (var (endPoint, path) in new[] { (stack.Http, "/big.txt"), (MailEndPoint(stack), MailPath(stack, "api/messages")) })
            {
                foreach (var host in new[] { "rebind.attacker.example", "rebind.attacker.example:" + endPoint.Port, "127.0.0.1.attacker.example", "localhost.attacker.example:" + endPoint.Port })
                {
                    tried++;
                    var answer = await RawHttp.SendAsync(endPoint, "GET", path, host);
                    if (answer.Status is not (421 or 400)) escapes++;
                    Assert.That(answer.Status, Is.EqualTo(421), $"Host: {host} on {path}: {answer}");
                    Assert.That(answer.Body, Does.Not.Contain("rebind").And.Not.Contain("xxxx"));
                }
                foreach (var host in new[] { $"127.0.0.1:{endPoint.Port}", $"localhost:{endPoint.Port}", $"[::1]:{endPoint.Port}", "localhost", "LOCALHOST" })
                {
                    var answer = await RawHttp.SendAsync(endPoint, "GET", path, host);
                    Assert.That(answer.Status, Is.EqualTo(200), $"Host: {host} on {path}: {answer}");
                }
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, "HTTP: Host header of another name (DNS rebinding), files and mail", tried, 0, watch.Elapsed,
            "421 for every foreign name; loopback names and IP literals served", escapes, 0);
    }

    [Test]
    public async Task Explicitly_allowed_host_names_are_served_on_every_http_endpoint()
    {
        var root = Directory.CreateTempSubdirectory("proto-web-attack-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "big.txt"), "x");
            await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName, AllowedHosts = ["dev.example"] }).WaitAsync(Wait);
            foreach (var (endPoint, path) in new[] { (stack.Http, "/big.txt"), (stack.Mail, "/api/messages") })
            {
                Assert.That((await RawHttp.SendAsync(endPoint, "GET", path, $"DEV.example:{endPoint.Port}")).Status, Is.EqualTo(200));
                Assert.That((await RawHttp.SendAsync(endPoint, "GET", path, $"other.example:{endPoint.Port}")).Status, Is.EqualTo(421));
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Mail_page_and_api_have_an_origin_of_their_own_and_refuse_cross_origin_changes()
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        var watch = Stopwatch.StartNew();
        long tried = 0, escapes = 0;
        try
        {
            var id = await SendMailAsync(stack, "origin");
            Assert.That(stack.MailPage.Port, Is.Not.EqualTo(stack.Http.Port), "the mail page must not share the file server's origin");
            var files = await RawHttp.SendAsync(stack.Http, "GET", "/_proto/mail/api/messages");
            tried++;
            if (files.Body.Contains("origin", StringComparison.Ordinal)) escapes++;
            Assert.That(files.Body, Does.Not.Contain("\"subject\""), "the file server's origin must not serve the mail API");
            var filesDelete = await RawHttp.SendAsync(stack.Http, "DELETE", "/_proto/mail/api/messages");
            Assert.That(filesDelete.Status, Is.Not.EqualTo(204));

            var mail = MailEndPoint(stack);
            var filesOrigin = $"http://127.0.0.1:{stack.Http.Port}";
            var crossSite = new[]
            {
                $"Origin: {filesOrigin}\r\n",
                $"Origin: {filesOrigin}\r\nSec-Fetch-Site: same-site\r\n",
                "Origin: null\r\n",
                "Origin: http://attacker.example\r\nSec-Fetch-Site: cross-site\r\n",
                "Sec-Fetch-Site: cross-site\r\n",
                "Sec-Fetch-Site: same-site\r\n",
            };
            foreach (var headers in crossSite)
            {
                foreach (var target in new[] { MailPath(stack, "api/messages/" + id), MailPath(stack, "api/messages") })
                {
                    tried++;
                    var answer = await RawHttp.SendAsync(mail, "DELETE", target, headers: headers);
                    if (answer.Status < 300) escapes++;
                    Assert.That(answer.Status, Is.EqualTo(403), $"DELETE {target} with {headers.Trim()}: {answer}");
                }
            }
            Assert.That(await stack.Capture.ListAsync(), Has.Count.EqualTo(1), "no cross-origin request may delete mail");

            var sameOrigin = $"Origin: http://127.0.0.1:{mail.Port}\r\nSec-Fetch-Site: same-origin\r\n";
            Assert.That((await RawHttp.SendAsync(mail, "DELETE", MailPath(stack, "api/messages/" + id), headers: sameOrigin)).Status, Is.EqualTo(204));
            await SendMailAsync(stack, "curl");
            Assert.That((await RawHttp.SendAsync(mail, "DELETE", MailPath(stack, "api/messages"))).Status, Is.EqualTo(204), "curl (no Origin) keeps working");
            Assert.That(await stack.Capture.ListAsync(), Is.Empty);
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, "mail API: read/delete from the root's origin and cross-origin DELETE", tried, 0, watch.Elapsed,
            "own port; 403 on foreign Origin / Sec-Fetch-Site; curl and same-origin served", escapes, 0);
    }

    [Test]
    public async Task Mail_page_cannot_be_framed_and_the_html_part_only_by_the_page()
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        try
        {
            await RawSmtp.SendAsync(stack.Smtp, "a@example.com", "b@example.com",
                "Subject: framed\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n").WaitAsync(Wait);
            var id = (await stack.Capture.ListAsync()).Single().Id;
            var mail = MailEndPoint(stack);
            foreach (var target in new[] { MailPath(stack, ""), MailPath(stack, "api/messages"), MailPath(stack, $"api/messages/{id}/raw") })
            {
                var answer = await RawHttp.SendAsync(mail, "GET", target);
                Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
                Assert.That(answer.Header("X-Frame-Options"), Is.EqualTo("DENY"), target);
                Assert.That(answer.Header("Content-Security-Policy"), Does.Contain("frame-ancestors 'none'"), target);
            }
            var html = await RawHttp.SendAsync(mail, "GET", MailPath(stack, $"api/messages/{id}/html"));
            Assert.That(html.Status, Is.EqualTo(200), html.ToString());
            Assert.That(html.Header("X-Frame-Options"), Is.EqualTo("SAMEORIGIN"));
            Assert.That(html.Header("Content-Security-Policy"), Does.Contain("frame-ancestors 'self'"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, "mail page: framing (clickjacking)", 4, 0, TimeSpan.Zero,
            "X-Frame-Options DENY + frame-ancestors 'none'; HTML part SAMEORIGIN", 0, 0);
    }

    [TestCase("NaN")]
    [TestCase("Infinity")]
    [TestCase("-Infinity")]
    [TestCase("1e400")]
    [TestCase("0")]
    public async Task Wait_with_a_timeout_that_is_not_a_positive_number_is_400(string timeout)
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        try
        {
            var answer = await RawHttp.SendAsync(MailEndPoint(stack), "GET", MailPath(stack, "api/wait?timeout=" + timeout));
            Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
            Assert.That(answer.Body, Does.Contain("timeout"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, $"mail API: wait?timeout={timeout}", 1, 0, TimeSpan.Zero, "400", 0, 0);
    }

    [Test]
    public async Task Reserved_prefix_cannot_be_reached_through_empty_or_dot_segments_by_any_method()
    {
        var (stack, root) = await StartAsync(write: true);
        await using var _ = stack;
        long tried = 0, escapes = 0;
        try
        {
            foreach (var target in new[] { "//_proto/secret.txt", "/sub/..//_proto/secret.txt", "///_proto/secret.txt", "/_proto//secret.txt",
                         "/./_proto/secret.txt", "/sub/../_proto/secret.txt", "//_proto//secret.txt", "/%2e/_proto/secret.txt", "//_PROTO/secret.txt" })
            {
                foreach (var method in new[] { "GET", "HEAD" })
                {
                    tried++;
                    var answer = await RawHttp.SendAsync(stack.Http, method, target);
                    if (answer.Status == 200 || answer.Body.Contains("RESERVED-SECRET", StringComparison.Ordinal)) escapes++;
                    Assert.That(answer.Status, Is.AnyOf(400, 404), $"{method} {target}: {answer}");
                }
            }
            foreach (var target in new[] { "//_proto/put.txt", "/sub/..//_proto/put.txt", "///_proto/put.txt", "/_proto//put.txt" })
            {
                tried++;
                var answer = await RawHttp.SendAsync(stack.Http, "PUT", target, body: "written");
                var written = File.Exists(Path.Combine(root.FullName, "_proto", "put.txt"));
                if (written || answer.Status < 300) escapes++;
                Assert.That(written, Is.False, $"PUT {target} wrote under root/_proto: {answer}");
                Assert.That(answer.Status, Is.AnyOf(400, 404, 405), $"PUT {target}: {answer}");
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, "HTTP: reserved /_proto/ prefix through //, /x/..// and dot segments", tried, 0, TimeSpan.Zero,
            "404 (reserved) or 400; nothing read or written under root/_proto", escapes, 0);
    }

    [Test]
    public async Task Trailing_slash_redirects_stay_on_the_same_origin()
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        long tried = 0, escapes = 0;
        try
        {
            foreach (var target in new[] { "//evil.example", "///evil.example", "//evil.example?x=1", "/sub/..//evil.example", "//127.0.0.2", "/evil.example" })
            {
                tried++;
                var answer = await RawHttp.SendAsync(stack.Http, "GET", target);
                var location = answer.Header("Location");
                if (location is not null && (location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("/\\", StringComparison.Ordinal)
                                             || location.Contains("://", StringComparison.Ordinal))) escapes++;
                if (answer.Status is >= 300 and < 400)
                {
                    Assert.That(location, Does.StartWith("/").And.Not.StartWith("//").And.Not.StartWith("/\\"), $"GET {target}: {answer}");
                    Assert.That(location, Does.StartWith("/evil.example/"), $"GET {target}");
                }
                else
                {
                    Assert.That(answer.Status, Is.EqualTo(404), $"GET {target}: {answer}");
                }
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, "HTTP: open redirect through //host directory names", tried, 0, TimeSpan.Zero,
            "Location /evil.example/ (same origin) or 404", escapes, 0);
    }

    [TestCase("FFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n", TestName = "PUT chunk size of 20 hex digits is 400")]
    [TestCase("-5\r\nhello\r\n0\r\n\r\n", TestName = "PUT negative chunk size is 400")]
    [TestCase("5\nhello\n0\n\n", TestName = "PUT LF-only chunk lines are 400")]
    public async Task Malformed_chunk_size_in_a_put_is_400(string body)
    {
        var (stack, root) = await StartAsync(write: true);
        await using var _ = stack;
        try
        {
            var request = $"PUT /chunked.txt HTTP/1.1\r\nHost: 127.0.0.1:{stack.Http.Port}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n{body}";
            var answer = await RawHttp.SendAsync(stack.Http, request);
            Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
            Assert.That(Directory.EnumerateFiles(root.FullName, "*chunked*"), Is.Empty, "nothing kept from a bad body");
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, $"HTTP: {TestContext.CurrentContext.Test.Name}", 1, 0, TimeSpan.Zero, "400; nothing kept", 0, 0);
    }

    [TestCase("bytes=0-9223372036854775807", 206, "bytes 0-999/1000")]
    [TestCase("bytes=0-99999999999999999999", 206, "bytes 0-999/1000")]
    [TestCase("bytes=10-9223372036854775807", 206, "bytes 10-999/1000")]
    [TestCase("bytes=-99999999999999999999", 206, "bytes 0-999/1000")]
    [TestCase("bytes=99999999999999999999-", 416, "bytes */1000")]
    public async Task Range_with_a_huge_end_is_clamped_to_the_file(string range, int status, string contentRange)
    {
        var (stack, root) = await StartAsync();
        await using var _ = stack;
        try
        {
            var answer = await RawHttp.SendAsync(stack.Http, "GET", "/big.txt", headers: $"Range: {range}\r\n");
            Assert.That(answer.Status, Is.EqualTo(status), answer.ToString());
            Assert.That(answer.Header("Content-Range"), Is.EqualTo(contentRange));
        }
        finally
        {
            root.Delete(recursive: true);
        }
        HardeningReport.Row(HardeningReport.Attack, $"HTTP: Range {range}", 1, 0, TimeSpan.Zero, $"{status} {contentRange}", 0, 0);
    }
}
