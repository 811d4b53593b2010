using System.Globalization;
using System.Text;

namespace Protocols.Cli.Smtp;

/// <summary>
/// One message as an mboxrd entry (what <c>proto smtp serve --print</c> writes): a <c>From sender date</c> line, the
/// message with LF line ends and every line matching <c>&gt;*From </c> quoted with one more <c>&gt;</c>, and a blank
/// line. Read it back with any mbox reader (Python's <c>mailbox.mbox</c>, <c>formail</c>, <c>mutt -f</c>).
/// </summary>
internal static class Mbox
{
    public static string Entry(string sender, DateTimeOffset receivedAt, ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw).Replace("\r\n", "\n", StringComparison.Ordinal);
        var builder = new StringBuilder(text.Length + 128);
        var from = string.IsNullOrEmpty(sender) ? "MAILER-DAEMON" : sender;
        builder.Append("From ").Append(from).Append(' ')
            .Append(receivedAt.UtcDateTime.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var line in text.Split('\n'))
        {
            if (IsFromLine(line)) builder.Append('>');
            builder.Append(line).Append('\n');
        }
        if (text.EndsWith('\n')) builder.Length--; // the split's empty last piece added a line end too many
        return builder.Append('\n').ToString();
    }

    private static bool IsFromLine(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] == '>') i++;
        return line.AsSpan(i).StartsWith("From ", StringComparison.Ordinal);
    }
}
