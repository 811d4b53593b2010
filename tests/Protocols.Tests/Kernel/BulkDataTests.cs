using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Hosting;
using Protocols.Servers.Smtp;
using Protocols.Tests.Support;

namespace Protocols.Tests.Kernel;

/// <summary>
/// SMTP DATA past the bulk threshold on the line listener (<see cref="ConnectionOptions.BulkReadThreshold"/>, 128 KiB:
/// the rest of the message is read off the event loop in 64 KiB receives): the message arrives byte-exact, dots and all,
/// and the next one on the same connection too, and through STARTTLS; the data timeout still fires during the bulk part; a client that
/// resets or closes in the middle of it leaves no session behind.
/// </summary>
public class BulkDataTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<(ProtocolsHost Host, SmtpConnectionHandler Handler, InMemoryMessageStore Store)> StartAsync(Action<SmtpServerOptions>? configure = null)
    {
        var store = new InMemoryMessageStore(10);
        var options = new SmtpServerOptions { Store = store };
        configure?.Invoke(options);
        var handler = new SmtpConnectionHandler(options);
        var builder = new ProtocolsHostBuilder();
        builder.AddLineEndpoint("smtp", new IPEndPoint(IPAddress.Loopback, 0), handler);
        return (await builder.StartAsync().WaitAsync(Timeout), handler, store);
    }

    /// <summary>CRLF lines of 0-199 bytes, a third of them starting with a dot, <paramref name="size"/> bytes or a line more.</summary>
    private static byte[] Message(int size, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("Subject: bulk\r\n\r\n");
        while (text.Length < size)
        {
            if (random.Next(3) == 0) text.Append('.', random.Next(1, 3));
            text.Append((char)('a' + random.Next(26)), random.Next(200));
            text.Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static async Task<Wire> StartDataAsync(IPEndPoint server)
    {
        var wire = new Wire(await Wire.ConnectAsync(server, Timeout), Timeout);
        await wire.ExpectAsync(220);
        await wire.CommandAsync("EHLO test.example", 250);
        await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
        await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
        await wire.CommandAsync("DATA", 354);
        return wire;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    [Test]
    public async Task A_message_past_the_bulk_threshold_arrives_byte_exact_and_the_next_one_too()
    {
        var (host, handler, store) = await StartAsync();
        await using var _ = host;
        var big = Message(1 << 20, 1);
        var small = Message(300, 2);
        await using (var wire = await StartDataAsync(host.GetEndPoint("smtp")))
        {
            await wire.SendRawAsync(DotStuffingWriter.Stuff(big));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            await wire.CommandAsync("DATA", 354);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(small));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }
        var messages = store.Messages;
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.That(messages[0].Raw.ToArray(), Is.EqualTo(big), "the bulk message, unstuffed");
        Assert.That(messages[1].Raw.ToArray(), Is.EqualTo(small), "the next one, back on the loop");
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the session ended");
    }

    [Test]
    public async Task Bdat_chunks_below_at_and_past_the_threshold_make_one_message_byte_exact_and_the_next_one_too()
    {
        // Each BDAT chunk is one counted copy: a chunk past the threshold goes bulk and comes back at its end, the
        // chunks below it never switch; their bytes (dots and all, no stuffing in BDAT) make one message.
        var (host, handler, store) = await StartAsync();
        await using var _ = host;
        var message = Message(900 * 1024, 3);
        int[] chunks = [100 * 1024, 128 * 1024, 128 * 1024 + 1, 400 * 1024];
        var small = Message(300, 4);
        await using (var wire = new Wire(await Wire.ConnectAsync(host.GetEndPoint("smtp"), Timeout), Timeout))
        {
            await wire.ExpectAsync(220);
            await wire.CommandAsync("EHLO test.example", 250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            var at = 0;
            foreach (var size in chunks)
            {
                await wire.SendRawAsync($"BDAT {size}\r\n");
                await wire.SendRawAsync(message.AsMemory(at, size));
                await wire.ExpectAsync(250);
                at += size;
            }
            await wire.SendRawAsync($"BDAT {message.Length - at} LAST\r\n");
            await wire.SendRawAsync(message.AsMemory(at));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            await wire.CommandAsync("DATA", 354);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(small));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }
        var messages = store.Messages;
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.That(messages[0].Raw.ToArray(), Is.EqualTo(message), "the chunks, in order, as one message");
        Assert.That(messages[1].Raw.ToArray(), Is.EqualTo(small), "the next one, on the same connection");
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the session ended");
    }

    [Test]
    public async Task Messages_at_and_past_the_threshold_from_many_clients_at_once_arrive_whole()
    {
        var (host, _, store) = await StartAsync(o => { o.Limits.MaxConnections = 16; o.Limits.MaxConnectionsPerIp = 16; });
        await using var _ = host;
        var endPoint = host.GetEndPoint("smtp");
        var sizes = new[] { 128 * 1024 - 2000, 128 * 1024, 128 * 1024 + 1, 200 * 1024, 700 * 1024, 1500 * 1024, 64 * 1024, 300 * 1024 };
        var messages = sizes.Select((size, i) => Message(size, 10 + i)).ToArray();
        await Task.WhenAll(messages.Select(async message =>
        {
            await using var wire = await StartDataAsync(endPoint);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(message));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }));
        var received = store.Messages.Select(m => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(m.Raw.Span))).Order();
        var sent = messages.Select(m => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(m))).Order();
        Assert.That(received, Is.EqualTo(sent));
    }

    [Test]
    public async Task A_bulk_message_after_starttls_arrives_byte_exact()
    {
        using var certificate = SelfSignedCertificate.Create();
        var (host, handler, store) = await StartAsync(o => o.Certificate = certificate);
        await using var _ = host;
        var big = Message(700 * 1024, 5);
        await using (var wire = new Wire(await Wire.ConnectAsync(host.GetEndPoint("smtp"), Timeout), Timeout))
        {
            await wire.ExpectAsync(220);
            await wire.CommandAsync("EHLO test.example", 250);
            await wire.CommandAsync("STARTTLS", 220);
            await wire.Connection.UpgradeToTlsAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }).WaitAsync(Timeout);
            await wire.CommandAsync("EHLO test.example", 250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            await wire.CommandAsync("DATA", 354);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(big));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }
        Assert.That(store.Messages.Single().Raw.ToArray(), Is.EqualTo(big), "read as bulk through TLS over the raw socket");
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the session ended");
    }

    [Test]
    public async Task A_bulk_message_then_starttls_then_another_arrive_byte_exact()
    {
        // The plaintext pipe and its receive buffers are retired at the upgrade; the bulk switch goes on through TLS.
        using var certificate = SelfSignedCertificate.Create();
        var (host, handler, store) = await StartAsync(o => o.Certificate = certificate);
        await using var _ = host;
        var before = Message(600 * 1024, 6);
        var after = Message(600 * 1024, 7);
        await using (var wire = new Wire(await Wire.ConnectAsync(host.GetEndPoint("smtp"), Timeout), Timeout))
        {
            await wire.ExpectAsync(220);
            await wire.CommandAsync("EHLO test.example", 250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            await wire.CommandAsync("DATA", 354);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(before));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("STARTTLS", 220);
            await wire.Connection.UpgradeToTlsAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }).WaitAsync(Timeout);
            await wire.CommandAsync("EHLO test.example", 250);
            await wire.CommandAsync("MAIL FROM:<a@example.org>", 250);
            await wire.CommandAsync("RCPT TO:<b@example.org>", 250);
            await wire.CommandAsync("DATA", 354);
            await wire.SendRawAsync(DotStuffingWriter.Stuff(after));
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }
        var messages = store.Messages;
        Assert.That(messages, Has.Count.EqualTo(2));
        Assert.That(messages[0].Raw.ToArray(), Is.EqualTo(before), "plaintext, bulk");
        Assert.That(messages[1].Raw.ToArray(), Is.EqualTo(after), "after the upgrade, bulk through TLS");
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the session ended");
    }

    [Test]
    public async Task The_data_timeout_fires_while_a_message_is_read_as_bulk()
    {
        var (host, handler, store) = await StartAsync(o => o.Limits.DataBlockTimeout = TimeSpan.FromMilliseconds(500));
        await using var _ = host;
        await using var wire = await StartDataAsync(host.GetEndPoint("smtp"));
        var stuffed = DotStuffingWriter.Stuff(Message(400 * 1024, 3));
        await wire.SendRawAsync(stuffed.AsMemory(0, 300 * 1024)); // past the threshold, then silence
        var reply = await wire.ReadAsync();
        Assert.That(reply.Code, Is.EqualTo(421), "the timeout's reply");
        Assert.That(await wire.IsClosedAsync(), Is.True, "and the connection closed");
        Assert.That(store.Messages, Is.Empty);
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the session ended");
    }

    [Test]
    public async Task Clients_gone_in_the_middle_of_a_bulk_message_leave_no_session_and_the_next_is_served()
    {
        var (host, handler, store) = await StartAsync();
        await using var _ = host;
        var endPoint = host.GetEndPoint("smtp");
        var stuffed = DotStuffingWriter.Stuff(Message(600 * 1024, 4));
        for (var i = 0; i < 6; i++)
        {
            var wire = await StartDataAsync(endPoint);
            await wire.SendRawAsync(stuffed.AsMemory(0, 200 * 1024 + i * 50_000));
            if (i % 2 == 0) wire.Connection.Abort(); // a reset; the others a FIN mid-message
            await wire.DisposeAsync();
        }
        await WaitUntilAsync(() => handler.ActiveSessions == 0, "the abandoned sessions ended");
        Assert.That(store.Messages, Is.Empty, "no half message stored");
        await using (var wire = await StartDataAsync(endPoint))
        {
            await wire.SendRawAsync(stuffed);
            await wire.ExpectAsync(250);
            await wire.CommandAsync("QUIT", 221);
        }
        Assert.That(store.Messages, Has.Count.EqualTo(1));
    }
}
