using System.Net;
using System.Text;
using Protocols.Ftp;
using Protocols.Http;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Smtp;
using Protocols.Servers.Testing;
using Protocols.Smtp;

namespace Protocols.Tests.Net;

/// <summary>
/// A password given to any client never reaches any sink: the text logger, a log file, the memory logger's bytes and
/// lines, nor the CLI's <c>-v</c> output. Each conversation succeeds first, so the secret did go over the wire.
/// </summary>
public class SecretsNeverLoggedTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(20);
    private const string Password = "Pw-9zQ!k7x";

    /// <summary>The password and the forms it travels in: base64 (LOGIN), the PLAIN blob, HTTP Basic.</summary>
    private static string[] Forms(string user) =>
    [
        Password,
        Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)),
        Sasl.EncodePlain(user, Password),
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{Password}")),
    ];

    [TestCase("PLAIN")]
    [TestCase("LOGIN")]
    public async Task Smtp(string mechanism)
    {
        await using var smtp = await SmtpTestServer.StartAsync(o => o.Authenticator = SmtpAuthenticator.Single("alice", Password));
        await using var sinks = new Sinks();
        await using (var client = new SmtpClient { Tls = new TlsClientOptions { AcceptAnyCertificate = true }, Timeout = T, ProtocolLogger = sinks })
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, SmtpEncryption.StartTls).WaitAsync(T);
            await client.AuthenticateAsync(mechanism, "alice", Password).WaitAsync(T);
            await client.SendAsync("Subject: s\r\n\r\nhi\r\n", "a@example.org", ["b@example.org"]).WaitAsync(T);
            await client.DisconnectAsync(true).WaitAsync(T);
        }
        Assert.That(smtp.Messages.Single().AuthenticatedUser, Is.EqualTo("alice"));
        var cli = await CliAsync("smtp", "send", "-s", $"{smtp.Host}:{smtp.Port}", "-f", "a@example.org", "-t", "b@example.org",
            "--body", "hi", "--starttls", "-k", "-u", "alice", "--password", Password, "-v");
        Assert.That(smtp.Messages, Has.Count.EqualTo(2));
        await sinks.AssertNoneHoldAsync(Forms("alice"), cli, "AUTH");
    }

    [Test]
    public async Task Ftp()
    {
        await using var ftp = await FtpTestServer.StartAsync(o => o.Users["alice"] = (Password, true)).WaitAsync(T);
        await using var sinks = new Sinks();
        await using (var client = new FtpClient("127.0.0.1", ftp.Port, new NetworkCredential("alice", Password), new FtpClientOptions { ProtocolLogger = sinks }))
        {
            await client.ConnectAsync().WaitAsync(T);
            await client.CreateDirectoryAsync("/d").WaitAsync(T);
            await client.DisconnectAsync().WaitAsync(T);
        }
        var cli = await CliAsync("ftp", "ls", $"ftp://alice:{Uri.EscapeDataString(Password)}@127.0.0.1:{ftp.Port}/", "-v");
        Assert.That(cli, Does.Contain("> PASS ****"));
        await sinks.AssertNoneHoldAsync(Forms("alice"), cli, "PASS ****");
    }

    [Test]
    public async Task Http()
    {
        await using var http = await HttpTestServer.StartAsync().WaitAsync(T);
        http.Stub(r => r.Get("/x")).Respond(200, "ok");
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"alice:{Password}"));
        await using var sinks = new Sinks();
        await using (var client = new Http1Client(new HttpClientOptions { ProtocolLogger = sinks, Timeout = T }))
        {
            var request = new HttpRequest("GET", new Uri(http.BaseAddress, "/x"));
            request.Headers.Add("Authorization", "Basic " + basic).Add("Proxy-Authorization", "Bearer " + Password).Add("Cookie", "pw=" + Password);
            await using var response = await client.SendAsync(request).WaitAsync(T);
            Assert.That(response.StatusCode, Is.EqualTo(200));
        }
        Assert.That(http.Requests.Single().Headers["Authorization"], Is.EqualTo("Basic " + basic), "the secret went over the wire");
        // -o to a file of our own: the CLI writes a temporary file and renames it over the target.
        var body = Path.Combine(Path.GetTempPath(), $"proto-secrets-{Guid.NewGuid():N}.body");
        try
        {
            var cli = await CliAsync("http", "get", new Uri(http.BaseAddress, "/x").ToString(), "-H", "Authorization: Basic " + basic,
                "-H", "Cookie: pw=" + Password, "-v", "-o", body);
            await sinks.AssertNoneHoldAsync(Forms("alice"), cli, "Authorization: Basic [redacted]");
        }
        finally
        {
            File.Delete(body);
        }
    }

    /// <summary>Runs the CLI in process and returns its stderr; the verb must succeed.</summary>
    private static async Task<string> CliAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        var capturedErr = new StringWriter();
        Console.SetOut(new StringWriter());
        Console.SetError(capturedErr);
        int exit;
        try
        {
            exit = await Protocols.Cli.ProtoCommand.RunAsync(args).WaitAsync(T);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
        Assert.That(exit, Is.Zero, capturedErr.ToString());
        return capturedErr.ToString();
    }

    /// <summary>Every ready-made sink at once: text, file, memory.</summary>
    private sealed class Sinks : IProtocolLogger, IAsyncDisposable
    {
        private readonly StringWriter _text = new();
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"proto-secrets-{Guid.NewGuid():N}.log");
        private readonly TextProtocolLogger _textLogger;
        private readonly TextProtocolLogger _fileLogger;
        private readonly MemoryProtocolLogger _memory = new();

        public Sinks()
        {
            _textLogger = new TextProtocolLogger(_text);
            _fileLogger = new TextProtocolLogger(_path);
        }

        private IEnumerable<IProtocolLogger> All => [_textLogger, _fileLogger, _memory];

        public void LogConnect(Uri uri)
        {
            foreach (var sink in All) sink.LogConnect(uri);
        }

        public void LogClient(ReadOnlySpan<byte> data)
        {
            foreach (var sink in All) sink.LogClient(data);
        }

        public void LogServer(ReadOnlySpan<byte> data)
        {
            foreach (var sink in All) sink.LogServer(data);
        }

        public void LogInfo(string text)
        {
            foreach (var sink in All) sink.LogInfo(text);
        }

        public async Task AssertNoneHoldAsync(string[] secrets, string cli, string mustShow)
        {
            _fileLogger.Dispose();
            var outputs = new Dictionary<string, string>
            {
                ["text"] = _text.ToString(),
                ["file"] = await File.ReadAllTextAsync(_path),
                ["memory client bytes"] = Encoding.UTF8.GetString(_memory.ClientBytes),
                ["memory server bytes"] = Encoding.UTF8.GetString(_memory.ServerBytes),
                ["memory lines"] = string.Join('\n', _memory.Lines),
                ["cli -v"] = cli,
            };
            foreach (var (sink, output) in outputs)
            {
                if (sink != "memory server bytes") Assert.That(output, Does.Contain(mustShow), $"{sink} logged the exchange");
                foreach (var secret in secrets) Assert.That(output, Does.Not.Contain(secret), $"{sink} holds a secret");
            }
        }

        public ValueTask DisposeAsync()
        {
            _fileLogger.Dispose();
            File.Delete(_path);
            return ValueTask.CompletedTask;
        }
    }
}
