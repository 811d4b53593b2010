using System.Text;
using Protocols.Net;

namespace Protocols.Tests.Net;

/// <summary>The ready-made sinks (text, file, memory) and the tap a connection feeds them through.</summary>
public class ProtocolLoggerTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);

    [Test]
    public void Text_prints_one_line_per_protocol_line_however_it_is_split()
    {
        var text = new StringWriter { NewLine = "\n" };
        var log = new TextProtocolLogger(text);
        log.LogConnect(new Uri("smtp://127.0.0.1:2525"));
        log.LogServer("220 ready\r\n"u8);
        log.LogClient("EHLO x\r\nMAIL FR"u8);
        log.LogClient("OM:<a@example.org>\r"u8);
        log.LogClient("\n"u8);
        log.LogServer("250-x\r\n250 "u8);
        log.LogInfo("TLS established");
        log.LogServer("OK\r\n\r\n"u8);
        Assert.That(text.ToString(), Is.EqualTo(
            "* connecting to smtp://127.0.0.1:2525\nS: 220 ready\nC: EHLO x\nC: MAIL FROM:<a@example.org>\n" +
            "S: 250-x\nS: 250 \n* TLS established\nS: OK\nS: \n"));
    }

    [Test]
    public void Text_decodes_utf8_split_between_calls_and_takes_curl_prefixes()
    {
        var text = new StringWriter { NewLine = "\n" };
        var log = new TextProtocolLogger(text, "> ", "< ");
        var bytes = Encoding.UTF8.GetBytes("GET /gr\u00fc\u00dfe HTTP/1.1\r\n");
        for (var i = 0; i < bytes.Length; i++) log.LogClient(bytes.AsSpan(i, 1));
        log.LogServer("HTTP/1.1 200 OK\r\n"u8);
        Assert.That(text.ToString(), Is.EqualTo("> GET /gr\u00fc\u00dfe HTTP/1.1\n< HTTP/1.1 200 OK\n"));
    }

    [Test]
    public void File_logger_appends_and_closes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"proto-log-{Guid.NewGuid():N}.log");
        try
        {
            using (var log = new TextProtocolLogger(path)) log.LogClient("QUIT\r\n"u8);
            using (var log = new TextProtocolLogger(path)) log.LogServer("221 bye\r\n"u8);
            Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { "C: QUIT", "S: 221 bye" }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Memory_keeps_bytes_uris_and_lines()
    {
        var log = new MemoryProtocolLogger();
        log.LogConnect(new Uri("ftp://127.0.0.1:21"));
        log.LogClient("USER a\r\n"u8);
        log.LogServer("331 pw\r\n"u8);
        log.LogInfo("note");
        Assert.That(log.ClientBytes, Is.EqualTo("USER a\r\n"u8.ToArray()));
        Assert.That(log.ServerBytes, Is.EqualTo("331 pw\r\n"u8.ToArray()));
        Assert.That(log.Connects, Is.EqualTo(new[] { new Uri("ftp://127.0.0.1:21") }));
        Assert.That(log.Lines, Is.EqualTo(new[] { "* connecting to ftp://127.0.0.1:21", "C: USER a", "S: 331 pw", "* note" }));
    }

    [Test]
    public async Task A_connection_logs_what_it_flushes_and_what_it_reads_redacted()
    {
        var (client, server) = Connection.CreatePair();
        await using (client)
        await using (server)
        {
            var log = new MemoryProtocolLogger("> ", "< ");
            client.LogTo(log, WireProtocol.Ftp);
            client.Writer.Write("USER alice\r\nPA"u8);
            client.Writer.Write("SS hunter2\r\n");
            Assert.That(log.ClientBytes, Is.Empty, "nothing before the flush");
            await client.Writer.DrainAsync().AsTask().WaitAsync(T);
            Assert.That(Encoding.ASCII.GetString(log.ClientBytes), Is.EqualTo("USER alice\r\nPASS ****\r\n"));
            Assert.That(await server.Reader.ReadLineStringAsync().AsTask().WaitAsync(T), Is.EqualTo("USER alice"));
            Assert.That(await server.Reader.ReadLineStringAsync().AsTask().WaitAsync(T), Is.EqualTo("PASS hunter2"), "only the log is redacted");

            await server.Writer.WriteAsync("331 pw\r\n230 in\r\n"u8.ToArray()).AsTask().WaitAsync(T);
            Assert.That(await client.Reader.ReadLineStringAsync().AsTask().WaitAsync(T), Is.EqualTo("331 pw"));
            Assert.That(Encoding.ASCII.GetString(log.ServerBytes), Is.EqualTo("331 pw\r\n"), "what was read, not what was buffered");
            await client.Reader.ReadLineStringAsync().AsTask().WaitAsync(T);
            Assert.That(log.Lines, Is.EqualTo(new[] { "> USER alice", "> PASS ****", "< 331 pw", "< 230 in" }));
        }
    }

    [Test]
    public async Task Payload_is_left_out_and_said_in_a_note()
    {
        var (client, server) = Connection.CreatePair();
        await using (client)
        await using (server)
        {
            var log = new MemoryProtocolLogger();
            client.LogTo(log, WireProtocol.Smtp);
            client.Writer.WriteLine("BDAT 11 LAST");
            client.Log!.ClientPayload(true, "<11 bytes of message data>");
            client.Writer.Write("Subject: x\n"u8);
            client.Log.ClientPayload(false);
            client.Writer.WriteLine("QUIT");
            await client.Writer.DrainAsync().AsTask().WaitAsync(T);
            await server.Writer.WriteAsync("250 ok\r\nbody bytes\r\n221 bye\r\n"u8.ToArray()).AsTask().WaitAsync(T);
            await client.Reader.ReadLineAsync().AsTask().WaitAsync(T);
            client.Log.ServerPayload(true);
            await client.Reader.ReadLineAsync().AsTask().WaitAsync(T);
            client.Log.ServerPayload(false);
            await client.Reader.ReadLineAsync().AsTask().WaitAsync(T);
            Assert.That(log.Lines, Is.EqualTo(new[] { "C: BDAT 11 LAST", "* <11 bytes of message data>", "C: QUIT", "S: 250 ok", "S: 221 bye" }));
        }
    }

    [Test]
    public async Task A_connection_is_logged_once()
    {
        var (client, server) = Connection.CreatePair();
        await using (client)
        await using (server)
        {
            client.LogTo(new MemoryProtocolLogger(), WireProtocol.Http);
            Assert.Throws<InvalidOperationException>(() => client.LogTo(new MemoryProtocolLogger(), WireProtocol.Http));
        }
    }
}
