using System.Buffers;
using System.Text;
using Protocols.Lines;

namespace Protocols.Tests.Lines;

public class CommandLineTests
{
    [TestCase("MAIL FROM:<a@b>", "MAIL", "FROM:<a@b>")]
    [TestCase("mail from:<a@b>  ", "mail", "from:<a@b>")]
    [TestCase("QUIT", "QUIT", "")]
    [TestCase("XSHA256 file name.txt", "XSHA256", "file name.txt")]
    [TestCase("STOR  two spaces", "STOR", " two spaces")]
    public void Splits_verb_and_argument(string line, string verb, string argument)
    {
        Assert.That(CommandLine.TryParse(Encoding.ASCII.GetBytes(line), out var v, out var a), Is.True);
        Assert.That(Encoding.ASCII.GetString(v), Is.EqualTo(verb));
        Assert.That(Encoding.ASCII.GetString(a), Is.EqualTo(argument));
    }

    [TestCase("")]
    [TestCase(" MAIL")]
    [TestCase("MA-IL x")]
    [TestCase("ABCDEFGHIJKLMNOPQ x")]
    public void Refuses_what_is_not_a_command(string line) =>
        Assert.That(CommandLine.TryParse(Encoding.ASCII.GetBytes(line), out _, out _), Is.False);

    [Test]
    public void A_sixteen_letter_verb_is_the_limit() =>
        Assert.That(CommandLine.TryParse("ABCDEFGHIJKLMNOP x"u8, out _, out _), Is.True);

    [Test]
    public void Verbs_compare_case_insensitively()
    {
        Assert.That(CommandLine.VerbIs("eHlO"u8, "EHLO"u8), Is.True);
        Assert.That(CommandLine.VerbIs("HELO"u8, "EHLO"u8), Is.False);
        Assert.That(CommandLine.VerbToString("rcpt"u8), Is.EqualTo("RCPT"));
    }

    [Test]
    public void Writes_commands_and_refuses_line_breaks_in_arguments()
    {
        var buffer = new ArrayBufferWriter<byte>();
        CommandLine.Write(buffer, "RCPT", "TO:<x@y>");
        CommandLine.Write(buffer, "DATA");
        Assert.That(Encoding.ASCII.GetString(buffer.WrittenSpan), Is.EqualTo("RCPT TO:<x@y>\r\nDATA\r\n"));
        Assert.Throws<ArgumentException>(() => CommandLine.Write(buffer, "RCPT", "TO:<x@y>\r\nDATA"));
    }
}
