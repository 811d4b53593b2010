using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Lines;

public class DotStuffingTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static string S(byte[] b) => Encoding.Latin1.GetString(b);

    /// <summary>Feeds <paramref name="wire"/> to a reader, whole or byte by byte, and reads one DATA block, then the next line.</summary>
    private static async Task<(string Data, DotReadResult Result, string? Next)> ReadAsync(byte[] wire, bool bytewise, DotReaderOptions? options = null)
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        var writing = Task.Run(async () =>
        {
            if (bytewise) foreach (var b in wire) await client.Writer.WriteAsync(new[] { b });
            else await client.Writer.WriteAsync(wire);
            await client.CloseAsync();
        });
        var output = new MemoryStream();
        var result = await DotStuffedReader.ReadAsync(server.Reader, output, options).Seconds();
        var next = await server.Reader.ReadLineStringAsync().Seconds();
        await writing.Seconds();
        return (S(output.ToArray()), result, next);
    }

    [Test]
    public void The_writer_stuffs_dots_normalizes_line_ends_and_terminates()
    {
        Assert.That(S(DotStuffingWriter.Stuff(B(".a\r\nb\r\n..c\r\n"))), Is.EqualTo("..a\r\nb\r\n...c\r\n.\r\n"));
        Assert.That(S(DotStuffingWriter.Stuff(B("no end"))), Is.EqualTo("no end\r\n.\r\n"));
        Assert.That(S(DotStuffingWriter.Stuff(B("bare\nlf\rcr\r\n."))), Is.EqualTo("bare\r\nlf\r\ncr\r\n..\r\n.\r\n"));
        Assert.That(S(DotStuffingWriter.Stuff([])), Is.EqualTo(".\r\n"));
    }

    [Test]
    public void The_writer_gives_the_same_bytes_whatever_the_chunking()
    {
        var message = B(".x\r\n\r\n.\r\nline\r\n.\rz\n.end");
        var whole = DotStuffingWriter.Stuff(message);
        for (var at = 0; at <= message.Length; at++)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            var writer = new DotStuffingWriter(buffer);
            writer.Write(message.AsSpan(0, at));
            writer.Write(message.AsSpan(at));
            writer.Complete();
            Assert.That(buffer.WrittenSpan.ToArray(), Is.EqualTo(whole), $"cut at {at}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task The_reader_unstuffs_and_ends_on_CRLF_dot_CRLF_then_stays_in_sync(bool bytewise)
    {
        var (data, result, next) = await ReadAsync(B("..a\r\nb\r\n.\r\nQUIT\r\n"), bytewise);
        Assert.That(data, Is.EqualTo(".a\r\nb\r\n"));
        Assert.That(result.Size, Is.EqualTo(7));
        Assert.That(result.TooLarge, Is.False);
        Assert.That(next, Is.EqualTo("QUIT"));
    }

    [Test]
    public async Task An_empty_message_is_just_the_marker()
    {
        var (data, result, next) = await ReadAsync(B(".\r\nNOOP\r\n"), bytewise: false);
        Assert.That((data, result.Size, next), Is.EqualTo(("", 0L, "NOOP")));
    }

    // SMTP smuggling (2023): end-of-data forms that some servers took as the end. Only CRLF.CRLF may end DATA.
    [TestCase("\n.\n", TestName = "LF.LF")]
    [TestCase("\n.\r\n", TestName = "LF.CRLF")]
    [TestCase("\r.\r", TestName = "CR.CR")]
    [TestCase("\r.\r\n", TestName = "CR.CRLF")]
    [TestCase("\r\n.\n", TestName = "CRLF.LF")]
    [TestCase("\r\n.\r", TestName = "CRLF.CR")]
    [TestCase("\r\n\x00.\r\n", TestName = "CRLF NUL.CRLF")]
    [TestCase("\r\n.\x00\r\n", TestName = "CRLF.NUL CRLF")]
    public async Task Smuggling_forms_never_end_the_data(string marker)
    {
        foreach (var bytewise in new[] { false, true })
        {
            var wire = B("Subject: hi\r\n\r\nbody" + marker + "MAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n");
            var (data, result, next) = await ReadAsync(wire, bytewise);
            Assert.That(data, Does.Contain("MAIL FROM:<evil@x>"), "the smuggled command stays inside the message");
            Assert.That(next, Is.EqualTo("QUIT"));
            if (marker.Contains('\n') && !marker.StartsWith("\r\n") || marker.StartsWith('\r') && !marker.StartsWith("\r\n") || marker.EndsWith('\r') || marker == "\r\n.\n")
                Assert.That(result.HasBareLineEnds, Is.True, "bare CR/LF are flagged so a server can refuse them");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Size_at_the_limit_is_accepted_and_one_past_is_too_large_but_read_to_the_end(bool bytewise)
    {
        var atLimit = await ReadAsync(B("12345678\r\n.\r\nNEXT\r\n"), bytewise, new DotReaderOptions { MaxSize = 10 });
        Assert.That((atLimit.Result.Size, atLimit.Result.TooLarge, atLimit.Data), Is.EqualTo((10L, false, "12345678\r\n")));

        var past = await ReadAsync(B("123456789\r\n.\r\nNEXT\r\n"), bytewise, new DotReaderOptions { MaxSize = 10 });
        Assert.That((past.Result.Size, past.Result.TooLarge), Is.EqualTo((11L, true)));
        Assert.That(past.Data.Length, Is.LessThanOrEqualTo(10), "nothing stored past the limit");
        Assert.That(past.Next, Is.EqualTo("NEXT"), "in sync after the marker");
    }

    [Test]
    public async Task Line_length_is_measured_against_the_limit()
    {
        var at = await ReadAsync(B(new string('a', 998) + "\r\n.\r\n"), bytewise: false);
        Assert.That((at.Result.LongestLine, at.Result.LineTooLong), Is.EqualTo((1000L, false)));
        var past = await ReadAsync(B(new string('a', 999) + "\r\n.\r\n"), bytewise: false);
        Assert.That((past.Result.LongestLine, past.Result.LineTooLong), Is.EqualTo((1001L, true)));
    }

    [Test]
    public async Task The_end_of_stream_before_the_marker_is_incomplete()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        await client.Writer.WriteAsync(B("data\r\n.")).Seconds();
        await client.CloseAsync().Seconds();
        await Assert.ThrowsAsync<IncompleteReadException>(async () => await DotStuffedReader.ReadAsync(server.Reader, null).Seconds());
    }

    [Test]
    public void Property_stuff_then_read_gives_back_the_message_with_normalized_line_ends()
    {
        var alphabet = Gen.Elements((byte)'.', (byte)'\r', (byte)'\n', (byte)'a', (byte)0, (byte)0xE9);
        var messages = Gen.ArrayOf(alphabet).ToArbitrary();
        Prop.ForAll(messages, message =>
        {
            var wire = DotStuffingWriter.Stuff(message);
            var (data, result, _) = ReadAsync([.. wire, .. "X\r\n"u8.ToArray()], bytewise: false).GetAwaiter().GetResult();
            var expected = Normalize(message);
            return (data == expected && !result.HasBareLineEnds)
                .Label($"message {Convert.ToHexString(message)} read back {Convert.ToHexString(Encoding.Latin1.GetBytes(data))}");
        }).QuickCheckThrowOnFailure();
    }

    private static string Normalize(byte[] message)
    {
        var s = Encoding.Latin1.GetString(message).Replace("\r\n", "\n").Replace('\r', '\n').Replace("\n", "\r\n");
        return s.Length == 0 || s.EndsWith("\r\n", StringComparison.Ordinal) ? s : s + "\r\n";
    }

    [Test]
    public void SASL_PLAIN_and_CRAM_MD5_round_trip()
    {
        var plain = Sasl.EncodePlain("user", "pa ss");
        Assert.That(Sasl.TryDecodePlain(plain, out var authz, out var user, out var pass), Is.True);
        Assert.That((authz, user, pass), Is.EqualTo(("", "user", "pa ss")));
        Assert.That(Sasl.TryDecodePlain("not base64!", out _, out _, out _), Is.False);
        // RFC 2195 §2 example.
        var response = Sasl.CramMd5Response("tim", "tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>");
        Assert.That(response, Is.EqualTo("tim b913a602c7eda7a495b4e6e7334d3890"));
        Assert.That(Sasl.VerifyCramMd5(response, "<1896.697170952@postoffice.reston.mci.net>", u => u == "tim" ? "tanstaaftanstaaf" : null), Is.True);
        Assert.That(Sasl.VerifyCramMd5(response, "<other@x>", u => "tanstaaftanstaaf"), Is.False);
    }
}
