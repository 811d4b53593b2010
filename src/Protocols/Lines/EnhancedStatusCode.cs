using System.Globalization;

namespace Protocols.Lines;

/// <summary>An RFC 3463 enhanced status code, <c>class.subject.detail</c> (e.g. 5.1.1), kept apart from the reply text.</summary>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    /// <summary>Parses a code at the start of <paramref name="text"/> followed by a space or the end; returns the characters taken.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out EnhancedStatusCode code, out int length)
    {
        code = default;
        length = 0;
        if (text.Length < 5 || text[0] is not ('2' or '4' or '5') || text[1] != '.') return false;
        var i = 2;
        if (!TryNumber(text, ref i, 3, out var subject) || i >= text.Length || text[i] != '.') return false;
        i++;
        if (!TryNumber(text, ref i, 3, out var detail)) return false;
        if (i < text.Length && text[i] != ' ') return false;
        code = new EnhancedStatusCode(text[0] - '0', subject, detail);
        length = i;
        return true;
    }

    /// <summary>Parses a whole string such as <c>2.0.0</c>.</summary>
    public static EnhancedStatusCode Parse(string text) =>
        TryParse(text, out var code, out var length) && length == text.Length
            ? code
            : throw new FormatException($"'{text}' is not an enhanced status code");

    private static bool TryNumber(ReadOnlySpan<char> text, ref int i, int maxDigits, out int value)
    {
        value = 0;
        var start = i;
        while (i < text.Length && i - start < maxDigits && char.IsAsciiDigit(text[i])) value = value * 10 + (text[i++] - '0');
        return i > start && (i >= text.Length || !char.IsAsciiDigit(text[i]));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Class}.{Subject}.{Detail}");
}
