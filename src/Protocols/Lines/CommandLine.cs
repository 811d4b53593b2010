using System.Buffers;
using System.Text;

namespace Protocols.Lines;

/// <summary>
/// A command line of SMTP, FTP or POP3: a verb (letters and digits, case-insensitive), then a space and an argument.
/// Works on the bytes of a line already cut (and bounded) by the reader.
/// </summary>
public static class CommandLine
{
    /// <summary>Longest verb accepted (XSHA256 is the longest we know).</summary>
    public const int MaxVerbLength = 16;

    /// <summary>
    /// Splits a line into verb and argument. False when the line does not start with a verb of 1-16 letters or
    /// digits followed by a space or the end. The argument keeps inner spaces; trailing spaces are trimmed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> verb, out ReadOnlySpan<byte> argument)
    {
        verb = default;
        argument = default;
        var i = 0;
        while (i < line.Length && i <= MaxVerbLength && IsVerbByte(line[i])) i++;
        if (i == 0 || i > MaxVerbLength) return false;
        if (i < line.Length && line[i] != (byte)' ') return false;
        verb = line[..i];
        argument = i < line.Length ? line[(i + 1)..].TrimEnd((byte)' ') : default;
        return true;
    }

    /// <summary>Case-insensitive verb comparison against an upper-case ASCII verb.</summary>
    public static bool VerbIs(ReadOnlySpan<byte> verb, ReadOnlySpan<byte> upperCaseVerb) =>
        System.Text.Ascii.EqualsIgnoreCase(verb, upperCaseVerb);

    /// <summary>The verb as an upper-case string, for edges such as logs and lookup tables.</summary>
    public static string VerbToString(ReadOnlySpan<byte> verb)
    {
        Span<char> chars = stackalloc char[verb.Length];
        System.Text.Ascii.ToUpper(verb, chars, out _);
        return new string(chars);
    }

    /// <summary>Buffers a command line: the verb, a space and the argument when there is one, and CRLF.</summary>
    public static void Write(IBufferWriter<byte> output, string verb, string? argument = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(verb);
        if (argument is not null && argument.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException("a command argument cannot hold CR or LF", nameof(argument));
        Encoding.ASCII.GetBytes(verb, output);
        if (!string.IsNullOrEmpty(argument))
        {
            output.Write(" "u8);
            Encoding.UTF8.GetBytes(argument, output);
        }
        output.Write("\r\n"u8);
    }

    private static bool IsVerbByte(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a' || (uint)(b - '0') <= 9;
}
