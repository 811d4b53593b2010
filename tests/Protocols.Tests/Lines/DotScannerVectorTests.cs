using System.Text;
using Protocols.Lines;

namespace Protocols.Tests.Lines;

/// <summary>
/// The vectorized scanner against the byte-by-byte one on the same input cut into the same spans: the same bytes kept,
/// the same end, the same longest line and bare CR/LF counts. Inputs mix long plain lines (the vector path), dots at line
/// starts, bare CRs and LFs, CRLF at span edges and the end marker.
/// </summary>
public class DotScannerVectorTests
{
    private static (string Kept, int End, int EndSpan, long Longest, int Lf, int Cr) Scan(byte[] input, int[] cuts, bool vectorized)
    {
        var scanner = new DotScanner(vectorized);
        var runs = new List<DotScanner.Run>();
        var kept = new StringBuilder();
        var from = 0;
        var bounds = cuts.Append(input.Length).ToArray();
        for (var k = 0; k < bounds.Length; k++)
        {
            var span = input.AsSpan(from, bounds[k] - from);
            runs.Clear();
            var end = scanner.Scan(span, runs);
            foreach (var run in runs) kept.Append(run.HeldCr ? "\r" : Encoding.Latin1.GetString(span.Slice(run.Start, run.Length)));
            if (end >= 0) return (kept.ToString(), end, k, scanner.LongestLine, scanner.BareLineFeeds, scanner.BareCarriageReturns);
            from = bounds[k];
        }
        return (kept.ToString(), -1, -1, scanner.LongestLine, scanner.BareLineFeeds, scanner.BareCarriageReturns);
    }

    private static byte[] RandomMessage(Random random)
    {
        var text = new StringBuilder();
        var lines = random.Next(1, 60);
        var noise = random.Next(3) == 0 ? 0 : 200; // a third of the messages: only plain lines and dots (the 64-byte path)
        for (var l = 0; l < lines; l++)
        {
            if (random.Next(6) == 0) text.Append('.');
            var length = random.Next(4) == 0 ? random.Next(0, 5) : random.Next(10, 120);
            for (var c = 0; c < length; c++)
            {
                var r = noise == 0 ? 3 + random.Next(197) : random.Next(noise);
                text.Append(r switch { 0 => '\r', 1 => '\n', 2 => '.', _ => (char)('a' + r % 26) });
            }
            text.Append((noise == 0 ? 2 : random.Next(30)) switch { 0 => "\n", 1 => "\r", _ => "\r\n" });
        }
        if (random.Next(4) != 0) text.Append(".\r\n");
        text.Append("after");
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    [Test]
    public void Vectorized_and_bytewise_scans_agree_on_random_messages_cut_anywhere()
    {
        var random = new Random(17);
        for (var n = 0; n < 5000; n++)
        {
            var input = RandomMessage(random);
            var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, input.Length + 1)).Order().ToArray();
            var expected = Scan(input, cuts, vectorized: false);
            var actual = Scan(input, cuts, vectorized: true);
            Assert.That(actual, Is.EqualTo(expected), () => $"case {n}: {Encoding.Latin1.GetString(input).Replace("\r", "\\r").Replace("\n", "\\n")} cut at {string.Join(',', cuts)}");
        }
    }

    [Test]
    public void Long_plain_lines_are_one_run_and_the_longest_line_is_counted()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 1000; i++) body.Append('x', i % 97).Append("\r\n");
        body.Append('y', 300).Append("\r\n.\r\n");
        var input = Encoding.ASCII.GetBytes(body.ToString());
        var scanner = new DotScanner();
        var runs = new List<DotScanner.Run>();
        var end = scanner.Scan(input, runs);
        Assert.That(end, Is.EqualTo(input.Length));
        Assert.That(runs, Is.EqualTo(new[] { new DotScanner.Run(0, input.Length - 3, false) }));
        Assert.That(scanner.LongestLine, Is.EqualTo(302));
        Assert.That(scanner.BareLineFeeds + scanner.BareCarriageReturns, Is.Zero);
    }
}
