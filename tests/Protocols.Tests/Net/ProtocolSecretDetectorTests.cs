using System.Buffers;
using System.Text;
using Protocols.Net;

namespace Protocols.Tests.Net;

/// <summary>
/// The one redaction detector: each secret form of SMTP, FTP and HTTP, the lines that must stay as they are, and the
/// same output however the bytes are split (whole, byte by byte, cut at every position).
/// </summary>
public class ProtocolSecretDetectorTests
{
    /// <summary>One step of a conversation: who sends, what, and what the log must show.</summary>
    public sealed record Step(bool Client, string Bytes, string Logged);

    private static Step C(string bytes, string? logged = null) => new(true, bytes, logged ?? bytes);

    private static Step S(string bytes, string? logged = null) => new(false, bytes, logged ?? bytes);

    private static IEnumerable<TestCaseData> Conversations()
    {
        yield return Case("SMTP AUTH PLAIN with an initial response", WireProtocol.Smtp,
            C("EHLO x\r\n"), S("250-x\r\n250 AUTH PLAIN LOGIN\r\n"),
            C("AUTH PLAIN AGFsaWNlAFN1cDNyLXNlY3JldA==\r\n", "AUTH PLAIN ***\r\n"), S("235 2.7.0 ok\r\n"),
            C("MAIL FROM:<a@example.org>\r\n"));
        yield return Case("SMTP AUTH LOGIN continuations", WireProtocol.Smtp,
            C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("YWxpY2U=\r\n", "***\r\n"),
            S("334 UGFzc3dvcmQ6\r\n"), C("U3VwM3Itc2VjcmV0\r\n", "***\r\n"), S("235 ok\r\n"), C("NOOP\r\n"));
        yield return Case("SMTP AUTH LOGIN with the user as initial response", WireProtocol.Smtp,
            C("auth login YWxpY2U=\r\n", "auth login ***\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("U3VwM3Itc2VjcmV0\r\n", "***\r\n"),
            S("535 5.7.8 no\r\n"), C("QUIT\r\n"));
        yield return Case("SMTP AUTH XOAUTH2 and its error continuation", WireProtocol.Smtp,
            C("AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB5YTI5LnRva2VuAQE=\r\n", "AUTH XOAUTH2 ***\r\n"),
            S("334 eyJzdGF0dXMiOiI0MDEifQ==\r\n"), C("\r\n"), S("535 5.7.8 no\r\n"), C("RSET\r\n"));
        yield return Case("SMTP AUTH CRAM-MD5 response", WireProtocol.Smtp,
            C("AUTH CRAM-MD5\r\n"), S("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "***\r\n"), S("235 ok\r\n"));
        yield return Case("SMTP a cancelled exchange stays readable", WireProtocol.Smtp,
            C("AUTH LOGIN\r\n"), S("334 VXNlcm5hbWU6\r\n"), C("*\r\n"), S("501 5.0.0 cancelled\r\n"), C("HELP\r\n"));
        yield return Case("SMTP lines that only look like AUTH", WireProtocol.Smtp,
            C("MAIL FROM:<auth@example.org> AUTH=<>\r\n"), C("AUTHX foo\r\n"), C("AUTH\r\n"), S("501 syntax\r\n"),
            C("RCPT TO:<" + new string('a', 120) + "@example.org>\r\n"));
        yield return Case("FTP PASS and ACCT", WireProtocol.Ftp,
            S("220 ready\r\n"), C("USER alice\r\n"), S("331 password\r\n"), C("PASS s3cret pw\r\n", "PASS ****\r\n"),
            S("332 account\r\n"), C("acct acct-secret\r\n", "acct ****\r\n"), S("230 in\r\n"), C("PASV\r\n"), C("PASS\r\n"),
            C("PASSIVE\r\n"), C("pass x\n", "pass ****\n"));
        yield return Case("HTTP request secrets", WireProtocol.Http,
            C("POST /login HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic dXNlcjpwYXNz\r\n" +
              "Proxy-Authorization: Bearer t0k3n\r\nCookie: sid=abc; theme=dark\r\nauthorization:tokenonly\r\n" +
              "X-Cookie: fine\r\nCookie2: fine\r\nAccept: */*\r\n\r\n",
              "POST /login HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic [redacted]\r\n" +
              "Proxy-Authorization: Bearer [redacted]\r\nCookie: [redacted]\r\nauthorization:[redacted]\r\n" +
              "X-Cookie: fine\r\nCookie2: fine\r\nAccept: */*\r\n\r\n"));
        yield return Case("HTTP response cookies", WireProtocol.Http,
            S("HTTP/1.1 200 OK\r\nSet-Cookie: sid=xyz; HttpOnly\r\nset-cookie:\tb=2\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n",
              "HTTP/1.1 200 OK\r\nSet-Cookie: [redacted]\r\nset-cookie:\t[redacted]\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n"));
        yield return Case("HTTP empty values stay empty", WireProtocol.Http,
            C("GET / HTTP/1.1\r\nCookie:\r\nAuthorization: \r\n\r\n"));
    }

    private static TestCaseData Case(string name, WireProtocol protocol, params Step[] steps) =>
        new TestCaseData(protocol, steps).SetName(name);

    [TestCaseSource(nameof(Conversations))]
    public void Whole(WireProtocol protocol, Step[] steps) =>
        Assert.That(Run(protocol, steps, _ => [Range.All]), Is.EqualTo(Expected(steps)));

    [TestCaseSource(nameof(Conversations))]
    public void ByteByByte(WireProtocol protocol, Step[] steps) =>
        Assert.That(Run(protocol, steps, length => Enumerable.Range(0, length).Select(i => i..(i + 1)).ToArray()), Is.EqualTo(Expected(steps)));

    [TestCaseSource(nameof(Conversations))]
    public void CutAnywhere(WireProtocol protocol, Step[] steps)
    {
        var longest = steps.Max(s => Encoding.UTF8.GetByteCount(s.Bytes));
        for (var cut = 1; cut < longest; cut++)
        {
            var at = cut;
            var logged = Run(protocol, steps, length => at < length ? [new Range(0, at), new Range(at, length)] : [Range.All]);
            Assert.That(logged, Is.EqualTo(Expected(steps)), $"cut at {cut}");
        }
    }

    [Test]
    public void A_line_is_held_back_only_while_it_could_be_a_secret()
    {
        var detector = new ProtocolSecretDetector(WireProtocol.Ftp);
        var output = new ArrayBufferWriter<byte>();
        detector.Redact("PA"u8, fromClient: true, output);
        Assert.That(output.WrittenCount, Is.Zero, "PA may be the start of PASS");
        detector.Redact("SS hun"u8, fromClient: true, output);
        Assert.That(Encoding.ASCII.GetString(output.WrittenSpan), Is.EqualTo("PASS ****"), "the verb at once, the secret never");
        detector.Redact("ter2\r"u8, fromClient: true, output);
        detector.Redact("\nNOOP"u8, fromClient: true, output);
        Assert.That(Encoding.ASCII.GetString(output.WrittenSpan), Is.EqualTo("PASS ****\r\nNOOP"), "a plain line goes on as soon as it cannot be one");
    }

    [Test]
    public void A_head_that_stays_undecided_is_cut_at_64_bytes()
    {
        var detector = new ProtocolSecretDetector(WireProtocol.Smtp);
        var output = new ArrayBufferWriter<byte>();
        var line = "AUTH " + new string('X', 59) + new string('Y', 40) + "\r\n";
        detector.Redact(Encoding.ASCII.GetBytes(line), fromClient: true, output);
        Assert.That(Encoding.ASCII.GetString(output.WrittenSpan), Is.EqualTo("AUTH ***\r\n"), "a mechanism name past 64 bytes is taken as a secret");
    }

    [TestCase(WireProtocol.Ftp, "PASS hunter2", "PASS ****")]
    [TestCase(WireProtocol.Ftp, "ACCT a", "ACCT ****")]
    [TestCase(WireProtocol.Ftp, "RETR /PASS x", "RETR /PASS x")]
    [TestCase(WireProtocol.Smtp, "AUTH PLAIN AGEAYg==", "AUTH PLAIN ***")]
    [TestCase(WireProtocol.Http, "Authorization: Bearer x", "Authorization: Bearer [redacted]")]
    public void RedactLine(WireProtocol protocol, string line, string expected) =>
        Assert.That(ProtocolSecretDetector.RedactLine(protocol, line), Is.EqualTo(expected));

    private static string Expected(Step[] steps) => string.Concat(steps.Select(s => (s.Client ? "C:" : "S:") + s.Logged));

    /// <summary>Feeds each step in the pieces <paramref name="split"/> gives, to a fresh detector; returns what came out, by step.</summary>
    private static string Run(WireProtocol protocol, Step[] steps, Func<int, Range[]> split)
    {
        var detector = new ProtocolSecretDetector(protocol);
        var result = new StringBuilder();
        foreach (var step in steps)
        {
            var bytes = Encoding.UTF8.GetBytes(step.Bytes);
            var output = new ArrayBufferWriter<byte>();
            foreach (var range in split(bytes.Length)) detector.Redact(bytes.AsSpan(range), step.Client, output);
            result.Append(step.Client ? "C:" : "S:").Append(Encoding.UTF8.GetString(output.WrittenSpan));
        }
        return result.ToString();
    }
}
