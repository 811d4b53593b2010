using System.Text;
using Protocols.Servers.Imap;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

public class ImapCommandParserTests
{
    private static readonly string[] ValidCommands =
    [
        "a1 NOOP\r\n",
        "a2 LOGIN \"us\\\"er\" {4}\r\npass\r\n",
        "a3 LOGIN {4+}\r\nuser {0}\r\n\r\n",
        "A004 UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM \"To\")]<0.100> BODY[1.2.MIME])\r\n",
        "t SEARCH OR (FROM alice SINCE 1-Feb-2024) NOT (TO {3}\r\nbob) UID 2:4\r\n",
        "x] STORE 1 +FLAGS.SILENT (\\Seen $Label1)\r\n",
        "z APPEND INBOX (\\Seen) \"05-Nov-2026 10:00:00 +0100\" {12}\r\nSubject: x\r\n\r\n",
    ];

    [TestCaseSource(nameof(ValidCommands))]
    public void Every_prefix_of_a_valid_command_is_incomplete_and_the_whole_is_complete(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var n = 0; n < bytes.Length; n++)
        {
            var result = ImapCommandParser.Parse(bytes.AsMemory(0, n));
            Assert.That(result.Status, Is.EqualTo(ImapParseStatus.Incomplete), $"prefix of {n} bytes: {result.Error}");
        }
        var whole = ImapCommandParser.Parse(bytes);
        Assert.That(whole.Status, Is.EqualTo(ImapParseStatus.Complete), whole.Error);
        Assert.That(whole.Consumed, Is.EqualTo(bytes.Length));
    }

    [Test]
    public void Arguments_come_out_as_a_tree()
    {
        var result = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(ValidCommands[3]));
        var command = result.Command!;
        Assert.That(command.Tag, Is.EqualTo("A004"));
        Assert.That(command.Name, Is.EqualTo("UID FETCH"));
        Assert.That(command.Arguments[0].Text, Is.EqualTo("1:*,7"));
        var items = command.Arguments[1].Items.Select(i => i.Text).ToArray();
        Assert.That(items, Is.EqualTo(new[] { "UID", "FLAGS", "BODY.PEEK[HEADER.FIELDS (FROM \"To\")]<0.100>", "BODY[1.2.MIME]" }));
        var login = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(ValidCommands[1])).Command!;
        Assert.That(login.Arguments.Select(a => a.Kind), Is.EqualTo(new[] { ImapValueKind.Quoted, ImapValueKind.Literal }));
        Assert.That(login.Arguments.Select(a => a.Text), Is.EqualTo(new[] { "us\"er", "pass" }));
        var search = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(ValidCommands[4])).Command!;
        Assert.That(search.Arguments[3].Items[1].Text, Is.EqualTo("bob"));
    }

    [TestCase("\r\n", "a command starts with a tag")]
    [TestCase("+tag NOOP\r\n", "a command starts with a tag")]
    [TestCase("a1\r\n", "a command name is missing")]
    [TestCase("a1 NOOP  x\r\n", "an argument is missing")]
    [TestCase("a1 LOGIN \"a\rb\" c\r\n", "a quoted string holds no CR, LF or NUL")]
    [TestCase("a1 LOGIN \"a\\xb\" c\r\n", "only \\\\ and \\\" are escapes in a quoted string")]
    [TestCase("a1 LOGIN {x}\r\n", "a literal's size is a number")]
    [TestCase("a1 LOGIN {3} \r\n", "a literal's size ends its line")]
    [TestCase("a1 LOGIN {99999999999}\r\n", "a literal's size is too large")]
    [TestCase("a1 SEARCH (ALL\r\n", "arguments are separated by one space")]
    [TestCase("a1 NOOP\n", "a bare LF where CRLF ends the command")]
    [TestCase("a1 LOGIN h\u00e9 x\r\n", "8-bit bytes belong in a quoted string or a literal")]
    [TestCase("a1 UID\r\n", "UID needs a command")]
    public void Invalid_commands_say_why(string text, string error)
    {
        var result = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.That(result.Status, Is.EqualTo(ImapParseStatus.Invalid));
        Assert.That(result.Error, Is.EqualTo(error));
    }

    [Test]
    public void Lists_nested_past_the_depth_limit_are_invalid_and_at_it_are_fine()
    {
        string Nest(int depth) => "a SEARCH " + new string('(', depth) + "ALL" + new string(')', depth) + "\r\n";
        Assert.That(ImapCommandParser.Parse(Encoding.ASCII.GetBytes(Nest(ImapCommandParser.MaxDepth))).Status, Is.EqualTo(ImapParseStatus.Complete));
        var deep = ImapCommandParser.Parse(Encoding.ASCII.GetBytes(Nest(ImapCommandParser.MaxDepth + 1)));
        Assert.That(deep.Error, Is.EqualTo("lists nested too deeply"));
    }

    [TestCase("a LOGIN {5}", 5L, false)]
    [TestCase("a LOGIN {5+}", 5L, true)]
    [TestCase("a APPEND INBOX {1234567890}", 1234567890L, false)]
    public void A_line_ending_with_a_literal_announces_it_whole_and_cut_in_segments(string line, long size, bool nonSync)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.That(ImapFraming.TryGetLiteral(bytes, out var n, out var ns), Is.True);
        Assert.That((n, ns), Is.EqualTo((size, nonSync)));
        for (var at = 0; at <= bytes.Length; at++)
        {
            Assert.That(ImapFraming.TryGetLiteral(Sequences.SplitAt(bytes, at), out n, out ns), Is.True, "split at " + at);
            Assert.That((n, ns), Is.EqualTo((size, nonSync)));
        }
        Assert.That(ImapFraming.TryGetLiteral(Sequences.BytewiseSegments(bytes), out n, out _), Is.True);
        Assert.That(n, Is.EqualTo(size));
    }

    [TestCase("a NOOP")]
    [TestCase("a LOGIN {}")]
    [TestCase("a LOGIN {+}")]
    [TestCase("a LOGIN 5}")]
    [TestCase("a LOGIN {12345678901}")]
    [TestCase("}")]
    public void Lines_without_a_literal_announcement_say_so(string line) =>
        Assert.That(ImapFraming.TryGetLiteral(Encoding.ASCII.GetBytes(line), out _, out _), Is.False);

    [TestCase("1:*,7", 5u, new uint[] { 1, 2, 3, 4, 5 })]
    [TestCase("4:2", 5u, new uint[] { 2, 3, 4 })]
    [TestCase("*", 5u, new uint[] { 5 })]
    [TestCase("9:*", 5u, new uint[] { 5 })]
    [TestCase("1,3,5", 5u, new uint[] { 1, 3, 5 })]
    public void Sequence_sets_name_their_numbers(string text, uint max, uint[] expected)
    {
        Assert.That(SequenceSet.TryParse(text, out var set), Is.True);
        Assert.That(Enumerable.Range(1, (int)max).Select(i => (uint)i).Where(n => set.Contains(n, max)), Is.EqualTo(expected));
    }

    [TestCase("")]
    [TestCase("0")]
    [TestCase("1:")]
    [TestCase(",1")]
    [TestCase("01")]
    [TestCase("a")]
    [TestCase("4294967296")]
    public void Bad_sequence_sets_are_refused(string text) => Assert.That(SequenceSet.TryParse(text, out _), Is.False);

    [Test]
    public void A_set_with_more_ranges_than_the_limit_is_refused_and_one_at_it_is_taken()
    {
        Assert.That(SequenceSet.TryParse(string.Join(',', Enumerable.Range(1, SequenceSet.MaxRanges)), out _), Is.True);
        Assert.That(SequenceSet.TryParse(string.Join(',', Enumerable.Range(1, SequenceSet.MaxRanges + 1)), out _), Is.False);
    }

    [Test]
    public void Sorted_numbers_format_compactly() =>
        Assert.That(SequenceSet.Format([1, 2, 3, 7, 9, 10]), Is.EqualTo("1:3,7,9:10"));

    [TestCase("BODY[]", "BODY[]", true)]
    [TestCase("BODY.PEEK[1.2.MIME]", "BODY[1.2.MIME]", false)]
    [TestCase("body.peek[header.fields (from to)]<0.10>", "BODY[HEADER.FIELDS (FROM TO)]<0>", false)]
    [TestCase("BODY[2.HEADER.FIELDS.NOT (X-A)]", "BODY[2.HEADER.FIELDS.NOT (X-A)]", true)]
    [TestCase("BODY[TEXT]<100.5>", "BODY[TEXT]<100>", true)]
    [TestCase("RFC822.HEADER", "RFC822.HEADER", false)]
    [TestCase("RFC822", "RFC822", true)]
    public void Fetch_items_parse_and_echo_their_name(string text, string responseName, bool setsSeen)
    {
        Assert.That(FetchItem.TryParse(text, out var item, out var error), Is.True, error);
        Assert.That(item.ResponseName, Is.EqualTo(responseName));
        Assert.That(item.SetsSeen, Is.EqualTo(setsSeen));
    }

    [TestCase("BODY[")]
    [TestCase("BODY[0]")]
    [TestCase("BODY[1.]")]
    [TestCase("BODY[MIME]")]
    [TestCase("BODY[HEADER.FIELDS]")]
    [TestCase("BODY[HEADER.FIELDS ()]")]
    [TestCase("BODY[TEXT]<1.0>")]
    [TestCase("BODY[TEXT]<1>")]
    [TestCase("BODY[TEXT]x")]
    [TestCase("BODIES")]
    public void Bad_fetch_items_are_refused(string text) => Assert.That(FetchItem.TryParse(text, out _, out _), Is.False);

    [TestCase("1-Feb-1994", 1994, 2, 1)]
    [TestCase("29-feb-2024", 2024, 2, 29)]
    public void Dates_parse(string text, int y, int m, int d)
    {
        Assert.That(SearchParser.TryParseDate(text, out var date), Is.True);
        Assert.That(date, Is.EqualTo(new DateOnly(y, m, d)));
    }

    [TestCase("29-Feb-2023")]
    [TestCase("1-Foo-2024")]
    [TestCase("2024-02-01")]
    [TestCase("100-Feb-2024")]
    public void Bad_dates_are_refused(string text) => Assert.That(SearchParser.TryParseDate(text, out _), Is.False);

    [Test]
    public void Response_strings_are_quoted_when_they_can_be_and_literals_otherwise()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new ImapResponse(buffer);
        w.String("a \"b\" \\c").Space().String("line\r\nbreak").Space().String("caf\u00e9").Space().AString("INBOX").Space().AString("two words").Space().NString(null);
        Assert.That(Encoding.UTF8.GetString(buffer.WrittenSpan), Is.EqualTo("\"a \\\"b\\\" \\\\c\" {11}\r\nline\r\nbreak {5}\r\ncaf\u00e9 INBOX \"two words\" NIL"));
    }
}
