namespace Protocols.Http;

/// <summary>Character classes of RFC 9110 §5.6.</summary>
internal static class HttpSyntax
{
    /// <summary>tchar: <c>!#$%&amp;'*+-.^_`|~</c>, digits and letters.</summary>
    public static bool IsTokenChar(byte c) =>
        c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';

    /// <summary>Allowed in a field value or reason phrase: HTAB, SP, VCHAR, obs-text.</summary>
    public static bool IsFieldChar(byte c) => c == (byte)'\t' || (c >= 0x20 && c != 0x7F);

    public static bool IsWhitespace(byte c) => c is (byte)' ' or (byte)'\t';
}
