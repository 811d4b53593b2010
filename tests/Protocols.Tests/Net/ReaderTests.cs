using System.Buffers;
using System.Text;
using Protocols.Net;
using Protocols.Tests.Support;

namespace Protocols.Tests.Net;

public class ReaderTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static string S(ReadOnlySequence<byte>? s) => s is { } v ? Encoding.UTF8.GetString(v) : "<null>";

    /// <summary>Feeds bytes from the client side, all at once or one byte per flush, then closes.</summary>
    private static async Task<Connection> FeedAsync(byte[] data, bool bytewise, bool close = true, ConnectionOptions? serverOptions = null)
    {
        var (client, server) = Connection.CreatePair(serverOptions: serverOptions);
        if (bytewise)
        {
            foreach (var b in data) await client.Writer.WriteAsync(new[] { b }).Seconds();
        }
        else if (data.Length > 0)
        {
            await client.Writer.WriteAsync(data).Seconds();
        }
        if (close) await client.CloseAsync().Seconds();
        return server;
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Reads_lines_and_then_null_at_a_clean_end(bool bytewise)
    {
        await using var server = await FeedAsync(B("HELO a\r\n\r\nQUIT\r\n"), bytewise);
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("HELO a"));
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo(""));
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("QUIT"));
        Assert.That(await server.Reader.ReadLineAsync().Seconds(), Is.Null);
        Assert.That(server.Reader.IsAtEnd, Is.True);
    }

    [Test]
    public async Task TryReadLine_takes_only_whole_buffered_lines_and_keeps_the_limits()
    {
        var (client, server) = Connection.CreatePair();
        await using var c = client;
        await using var sv = server;
        server.Reader.MaxLineLength = 10;
        Assert.That(server.Reader.TryReadLine(out _), Is.False, "nothing buffered yet");
        await client.Writer.WriteAsync(B("one\r\ntwo\r\nthr")).Seconds();
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("one"));
        Assert.That(server.Reader.TryReadLine(out var two), Is.True);
        Assert.That(S(two), Is.EqualTo("two"));
        Assert.That(server.Reader.TryReadLine(out _), Is.False, "a partial line is not a line");
        await client.Writer.WriteAsync(B("ee\r\n" + new string('x', 12) + "\r\n")).Seconds();
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("three"));
        Assert.Throws<LineTooLongException>(() => server.Reader.TryReadLine(out _));
    }

    [Test]
    public async Task A_final_line_arriving_with_the_end_of_stream_is_still_returned()
    {
        await using var server = await FeedAsync(B("last\r\n"), bytewise: false);
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("last"));
        Assert.That(await server.Reader.ReadLineAsync().Seconds(), Is.Null);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_line_cut_by_the_end_of_stream_is_incomplete_with_its_partial_bytes(bool bytewise)
    {
        await using var server = await FeedAsync(B("ok\r\npart"), bytewise);
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("ok"));
        var e = await Assert.ThrowsAsync<IncompleteReadException>(async () => await server.Reader.ReadLineAsync().Seconds());
        Assert.That(Encoding.ASCII.GetString(e!.Partial.Span), Is.EqualTo("part"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_line_at_the_limit_is_read_and_one_past_it_is_too_long_then_discarded(bool bytewise)
    {
        var atLimit = new string('a', 8) + "\r\n";       // 10 bytes with CRLF
        var pastLimit = new string('b', 9) + "\r\n";     // 11 bytes
        await using var server = await FeedAsync(B(atLimit + pastLimit + "next\r\n"), bytewise);
        server.Reader.MaxLineLength = 10;
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo(new string('a', 8)));
        var e = await Assert.ThrowsAsync<LineTooLongException>(async () => await server.Reader.ReadLineAsync().Seconds());
        Assert.That(e!.Limit, Is.EqualTo(10));
        Assert.That(await server.Reader.DiscardLineAsync().Seconds(), Is.EqualTo(11));
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("next"));
    }

    [Test]
    public async Task A_very_long_line_is_refused_without_buffering_it_all()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        server.Reader.MaxLineLength = 512;
        var writing = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)'x');
            for (var i = 0; i < 64; i++) await client.Writer.WriteAsync(chunk); // 4 MiB, more than the pipe holds
            await client.Writer.WriteAsync(B("\r\nafter\r\n"));
        });
        await Assert.ThrowsAsync<LineTooLongException>(async () => await server.Reader.ReadLineAsync().Seconds());
        Assert.That(server.Reader.BufferedLength, Is.LessThan(1 << 21));
        Assert.That(await server.Reader.DiscardLineAsync().Seconds(), Is.EqualTo(64L * 64 * 1024 + 2));
        Assert.That(S(await server.Reader.ReadLineAsync().Seconds()), Is.EqualTo("after"));
        await writing.Seconds();
    }

    [Test]
    public async Task A_bare_LF_is_a_protocol_error_unless_accepted()
    {
        await using (var strict = await FeedAsync(B("a\nb\r\n"), bytewise: false))
        {
            await Assert.ThrowsAsync<ProtocolException>(async () => await strict.Reader.ReadLineAsync().Seconds());
        }
        await using var lenient = await FeedAsync(B("a\nb\r\n"), bytewise: true);
        lenient.Reader.AcceptBareLf = true;
        Assert.That(S(await lenient.Reader.ReadLineAsync().Seconds()), Is.EqualTo("a"));
        Assert.That(S(await lenient.Reader.ReadLineAsync().Seconds()), Is.EqualTo("b"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Reads_until_a_delimiter_that_spans_buffers(bool bytewise)
    {
        await using var server = await FeedAsync(B("head\r\n\r\nbody"), bytewise);
        var head = await server.Reader.ReadUntilAsync("\r\n\r\n"u8.ToArray(), 100).Seconds();
        Assert.That(S(head), Is.EqualTo("head"));
        var rest = await server.Reader.ReadToEndAsync(100).Seconds();
        Assert.That(S(rest), Is.EqualTo("body"));
    }

    [Test]
    public async Task Read_until_is_bounded_at_the_limit_and_one_past_it()
    {
        await using (var at = await FeedAsync(B("12345;"), bytewise: true))
        {
            Assert.That(S(await at.Reader.ReadUntilAsync(";"u8.ToArray(), 6).Seconds()), Is.EqualTo("12345"));
        }
        await using var past = await FeedAsync(B("123456;"), bytewise: true);
        await Assert.ThrowsAsync<LimitExceededException>(async () => await past.Reader.ReadUntilAsync(";"u8.ToArray(), 6).Seconds());
    }

    [Test]
    public async Task Read_until_a_delimiter_that_never_comes_is_incomplete()
    {
        await using var server = await FeedAsync(B("no end"), bytewise: false);
        var e = await Assert.ThrowsAsync<IncompleteReadException>(async () => await server.Reader.ReadUntilAsync(";"u8.ToArray(), 100).Seconds());
        Assert.That(e!.Partial.Length, Is.EqualTo(6));
        Assert.That(e.Expected, Is.Null);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Reads_exactly_n_bytes_and_reports_a_short_stream(bool bytewise)
    {
        await using var server = await FeedAsync(B("abcdefgh"), bytewise);
        Assert.That(S(await server.Reader.ReadExactlyAsync(3).Seconds()), Is.EqualTo("abc"));
        Assert.That(S(await server.Reader.ReadExactlyAsync(0).Seconds()), Is.EqualTo(""));
        var e = await Assert.ThrowsAsync<IncompleteReadException>(async () => await server.Reader.ReadExactlyAsync(10).Seconds());
        Assert.That(e!.Expected, Is.EqualTo(10));
        Assert.That(Encoding.ASCII.GetString(e.Partial.Span), Is.EqualTo("defgh"));
    }

    [Test]
    public async Task Read_available_returns_what_is_there_up_to_n_and_empty_at_the_end()
    {
        await using var server = await FeedAsync(B("abcdef"), bytewise: false);
        Assert.That(S(await server.Reader.ReadAvailableAsync(4).Seconds()), Is.EqualTo("abcd"));
        Assert.That(S(await server.Reader.ReadAvailableAsync(100).Seconds()), Is.EqualTo("ef"));
        Assert.That((await server.Reader.ReadAvailableAsync(100).Seconds()).IsEmpty, Is.True);
    }

    [Test]
    public async Task Read_to_end_is_bounded_at_the_limit_and_one_past_it()
    {
        await using (var at = await FeedAsync(B("12345"), bytewise: true))
        {
            Assert.That(S(await at.Reader.ReadToEndAsync(5).Seconds()), Is.EqualTo("12345"));
        }
        await using var past = await FeedAsync(B("123456"), bytewise: true);
        await Assert.ThrowsAsync<LimitExceededException>(async () => await past.Reader.ReadToEndAsync(5).Seconds());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Copies_a_count_then_the_rest_into_a_stream(bool bytewise)
    {
        await using var server = await FeedAsync(B("0123456789"), bytewise);
        var first = new MemoryStream();
        Assert.That(await server.Reader.CopyToAsync(first, 4).Seconds(), Is.EqualTo(4));
        var rest = new MemoryStream();
        Assert.That(await server.Reader.CopyToAsync(rest).Seconds(), Is.EqualTo(6));
        Assert.That(Encoding.ASCII.GetString(first.ToArray()) + "|" + Encoding.ASCII.GetString(rest.ToArray()), Is.EqualTo("0123|456789"));
    }

    [Test]
    public async Task A_copy_cut_short_by_the_end_of_stream_is_incomplete()
    {
        await using var server = await FeedAsync(B("0123"), bytewise: false);
        await Assert.ThrowsAsync<IncompleteReadException>(async () => await server.Reader.CopyToAsync(new MemoryStream(), 10).Seconds());
    }

    [Test]
    public async Task Copies_into_a_pipe_writer()
    {
        await using var server = await FeedAsync(B("hello pipe"), bytewise: true);
        var pipe = new System.IO.Pipelines.Pipe();
        Assert.That(await server.Reader.CopyToAsync(pipe.Writer).Seconds(), Is.EqualTo(10));
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAtLeastAsync(10).AsTask().Seconds();
        Assert.That(Encoding.ASCII.GetString(read.Buffer), Is.EqualTo("hello pipe"));
    }

    [Test]
    public async Task An_idle_read_times_out_as_TimeoutException()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        server.Reader.ReadTimeout = TimeSpan.FromMilliseconds(100);
        await Assert.ThrowsAsync<TimeoutException>(async () => await server.Reader.ReadLineAsync().Seconds());
    }

    [Test]
    public async Task A_callers_cancellation_is_OperationCanceledException_not_a_timeout()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        server.Reader.ReadTimeout = TimeSpan.FromSeconds(30);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var e = await Assert.CatchAsync<OperationCanceledException>(async () => await server.Reader.ReadLineAsync(cts.Token).Seconds());
        Assert.That(e, Is.Not.InstanceOf<TimeoutException>());
    }

    [Test]
    public async Task The_idle_timer_is_reused_across_reads_with_one_caller_token_and_still_fires()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await using var __ = server;
        server.Reader.ReadTimeout = TimeSpan.FromMilliseconds(300);
        using var lifetime = new CancellationTokenSource();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(60);
            await client.Writer.WriteLineAsync($"line {i}").Seconds();
            Assert.That(S(await server.Reader.ReadLineAsync(lifetime.Token).Seconds()), Is.EqualTo($"line {i}"));
        }
        await Assert.ThrowsAsync<TimeoutException>(async () => await server.Reader.ReadLineAsync(lifetime.Token).Seconds());
        server.Reader.ReadTimeout = TimeSpan.FromSeconds(30);
        lifetime.CancelAfter(100);
        var e = await Assert.CatchAsync<OperationCanceledException>(async () => await server.Reader.ReadLineAsync(lifetime.Token).Seconds());
        Assert.That(e!.CancellationToken, Is.EqualTo(lifetime.Token));
    }

    [Test]
    public async Task Writing_to_a_peer_that_stopped_reading_is_an_error_not_a_silent_drop()
    {
        var (client, server) = Connection.CreatePair();
        await using var _ = client;
        await server.DisposeAsync();
        await Assert.ThrowsAsync<ConnectionClosedException>(async () => await client.Writer.WriteAsync(B("lost?\r\n")).Seconds());
    }

    [Test]
    public async Task A_framing_parser_reads_one_message_at_a_time()
    {
        await using var server = await FeedAsync(B("3:abc5:hello"), bytewise: true);
        Assert.That(await server.Reader.ReadAsync<LengthPrefixed, string>(new LengthPrefixed(), 100).Seconds(), Is.EqualTo("abc"));
        Assert.That(await server.Reader.ReadAsync<LengthPrefixed, string>(new LengthPrefixed(), 100).Seconds(), Is.EqualTo("hello"));
        await Assert.ThrowsAsync<IncompleteReadException>(async () => await server.Reader.ReadAsync<LengthPrefixed, string>(new LengthPrefixed(), 100).Seconds());
    }

    private readonly struct LengthPrefixed : IMessageReader<string>
    {
        public bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out string message)
        {
            message = "";
            var reader = new SequenceReader<byte>(input);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> digits, (byte)':')) return false;
            var n = int.Parse(Encoding.ASCII.GetString(digits));
            if (reader.Remaining < n) return false;
            message = Encoding.ASCII.GetString(reader.UnreadSequence.Slice(0, n));
            consumed = input.GetPosition(n, reader.Position);
            return true;
        }
    }
}
