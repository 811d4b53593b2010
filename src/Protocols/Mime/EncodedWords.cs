using System.Text;

namespace Protocols.Mime;

/// <summary>RFC 2047 encoded words ("=?charset?B|Q?text?=") in header text: decode and encode.</summary>
public static class EncodedWords
{
    /// <summary>The longest encoded word (RFC 2047 §2).</summary>
    public const int MaxWordLength = 75;

    /// <summary>The longest header line holding encoded words (RFC 2047 §2).</summary>
    public const int MaxLineLength = 76;

    private const string BPrefix = "=?utf-8?b?";
    private const string QPrefix = "=?utf-8?q?";

    /// <summary>
    /// Decodes every encoded word in a header value. Whitespace between two adjacent encoded words is dropped
    /// (RFC 2047 §6.2); adjacent words in the same charset are joined before decoding, so a character split across
    /// two words survives. Malformed words are left as they are; unknown charsets fall back without throwing.
    /// </summary>
    public static string Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains("=?", StringComparison.Ordinal))
        {
            return text ?? string.Empty;
        }

        var result = new StringBuilder(text.Length);
        var pending = new List<byte>();
        string? pendingCharset = null;
        var heldWhitespace = new StringBuilder();
        var i = 0;
        var cache = new ScanCache();
        while (i < text.Length)
        {
            if (TryParseWord(text, i, ref cache, out var end, out var charset, out var bytes))
            {
                // Whitespace between two encoded words is dropped.
                heldWhitespace.Clear();
                if (pendingCharset is not null && !string.Equals(pendingCharset, charset, StringComparison.OrdinalIgnoreCase))
                {
                    Flush(result, pending, ref pendingCharset);
                }

                pendingCharset = charset;
                pending.AddRange(bytes);
                i = end;
                continue;
            }

            var c = text[i];
            if (pendingCharset is not null && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
            {
                heldWhitespace.Append(c);
                i++;
                continue;
            }

            Flush(result, pending, ref pendingCharset);
            if (heldWhitespace.Length > 0)
            {
                result.Append(heldWhitespace);
                heldWhitespace.Clear();
            }

            result.Append(c);
            i++;
        }

        Flush(result, pending, ref pendingCharset);
        result.Append(heldWhitespace);
        return result.ToString();
    }

    private static void Flush(StringBuilder result, List<byte> pending, ref string? charset)
    {
        if (charset is null)
        {
            return;
        }

        result.Append(Charsets.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending), charset));
        pending.Clear();
        charset = null;
    }

    // The next "?=" and the next whitespace at or after a position, remembered so that a hostile header full of
    // "=?" starts costs linear time, not quadratic.
    private struct ScanCache
    {
        private bool closeKnown;
        private int closeFrom;
        private int close;
        private bool spaceKnown;
        private int spaceFrom;
        private int space;

        public int NextClose(string text, int from)
        {
            if (!closeKnown || from < closeFrom || (close >= 0 && close < from))
            {
                close = text.IndexOf("?=", from, StringComparison.Ordinal);
                closeFrom = from;
                closeKnown = true;
            }

            return close;
        }

        public int NextSpace(string text, int from)
        {
            if (!spaceKnown || from < spaceFrom || (space >= 0 && space < from))
            {
                var index = text.AsSpan(from).IndexOfAny(" \t\r\n");
                space = index < 0 ? -1 : from + index;
                spaceFrom = from;
                spaceKnown = true;
            }

            return space;
        }
    }

    private static bool TryParseWord(string text, int start, ref ScanCache cache, out int end, out string charset, out byte[] bytes)
    {
        end = 0;
        charset = string.Empty;
        bytes = [];
        if (start + 8 > text.Length || text[start] != '=' || text[start + 1] != '?')
        {
            return false;
        }

        var charsetEnd = text.IndexOf('?', start + 2, Math.Min(66, text.Length - start - 2));
        if (charsetEnd < 0 || charsetEnd == start + 2 || charsetEnd - start > 64 || charsetEnd + 3 > text.Length || text[charsetEnd + 2] != '?')
        {
            return false;
        }

        var encoding = char.ToUpperInvariant(text[charsetEnd + 1]);
        if (encoding != 'B' && encoding != 'Q')
        {
            return false;
        }

        var payloadStart = charsetEnd + 3;
        var payloadEnd = cache.NextClose(text, payloadStart);
        if (payloadEnd < 0)
        {
            return false;
        }

        var space = cache.NextSpace(text, payloadStart);
        if (space >= 0 && space < payloadEnd)
        {
            return false;
        }

        var name = text.AsSpan(start + 2, charsetEnd - start - 2);
        foreach (var ch in name)
        {
            if (ch <= ' ' || ch >= 127 || ch == '"' || ch == '(' || ch == ')' || ch == '=')
            {
                return false;
            }
        }

        var payload = text.AsSpan(payloadStart, payloadEnd - payloadStart);

        var star = name.IndexOf('*');
        charset = (star >= 0 ? name[..star] : name).ToString();
        var raw = new byte[payload.Length];
        for (var k = 0; k < payload.Length; k++)
        {
            raw[k] = payload[k] < 256 ? (byte)payload[k] : (byte)'?';
        }

        bytes = encoding == 'B' ? Base64Codec.Decode(raw) : DecodeQ(raw);
        end = payloadEnd + 2;
        return true;
    }

    private static byte[] DecodeQ(ReadOnlySpan<byte> payload)
    {
        var output = new byte[payload.Length];
        var n = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var b = payload[i];
            if (b == '_')
            {
                output[n++] = (byte)' ';
            }
            else if (b == '=' && i + 2 < payload.Length && Uri.IsHexDigit((char)payload[i + 1]) && Uri.IsHexDigit((char)payload[i + 2]))
            {
                output[n++] = (byte)((HexValue(payload[i + 1]) << 4) | HexValue(payload[i + 2]));
                i += 2;
            }
            else
            {
                output[n++] = b;
            }
        }

        return output.AsSpan(0, n).ToArray();
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>True when header text must be written as encoded words (non-ASCII, or text that would read as one).</summary>
    public static bool NeedsEncoding(string word) =>
        !Charsets.IsAscii(word) || (word.Contains("=?", StringComparison.Ordinal) && word.Contains("?=", StringComparison.Ordinal));

    /// <summary>
    /// Encodes unstructured header text (Subject, Comments, X-...): words that need it become UTF-8 encoded words of
    /// at most 75 characters, plain ASCII words stay readable. <paramref name="firstLineUsed"/> is the room already
    /// taken on the first line ("Subject: " is 9), so the first encoded word fits in 76 characters.
    /// </summary>
    public static string EncodeUnstructured(string text, int firstLineUsed = 0) => Encode(text, firstLineUsed, phrase: false);

    /// <summary>Encodes a display name (an RFC 5322 phrase) as encoded words when it holds non-ASCII text.</summary>
    public static string EncodePhrase(string text, int firstLineUsed = 0) => Encode(text, firstLineUsed, phrase: true);

    private static string Encode(string text, int firstLineUsed, bool phrase)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (phrase)
        {
            // A phrase cannot mix plain words holding specials with encoded ones: encode it whole.
            var all = new StringBuilder();
            var used = firstLineUsed;
            AppendEncodedRun(all, text, ref used);
            return all.ToString();
        }

        var words = SplitWords(text);
        var output = new StringBuilder(text.Length * 2);
        var lineUsed = firstLineUsed;
        var i = 0;
        while (i < words.Count)
        {
            var (space, word) = words[i];
            if (!NeedsEncoding(word) && word.Length <= 900)
            {
                output.Append(space).Append(word);
                lineUsed += space.Length + word.Length;
                i++;
                continue;
            }

            // Join this word and the following ones that also need encoding, with the whitespace between them.
            var run = new StringBuilder(word);
            var j = i + 1;
            while (j < words.Count && (NeedsEncoding(words[j].Word) || words[j].Word.Length > 900))
            {
                run.Append(words[j].Space).Append(words[j].Word);
                j++;
            }

            // A trailing run of whitespace (no word after it) stays inside the encoded text too.
            if (j == words.Count - 1 && words[j].Word.Length == 0)
            {
                run.Append(words[j].Space);
                j++;
            }

            output.Append(space);
            lineUsed += space.Length;
            AppendEncodedRun(output, run.ToString(), ref lineUsed);
            i = j;
        }

        return output.ToString();
    }

    private static List<(string Space, string Word)> SplitWords(string text)
    {
        var words = new List<(string, string)>();
        var i = 0;
        while (i < text.Length)
        {
            var s = i;
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            var w = i;
            while (i < text.Length && text[i] != ' ' && text[i] != '\t')
            {
                i++;
            }

            words.Add((text[s..w], text[w..i]));
        }

        return words;
    }

    private static void AppendEncodedRun(StringBuilder output, string run, ref int lineUsed)
    {
        var bytes = Encoding.UTF8.GetBytes(run);
        var qLength = 0;
        foreach (var b in bytes)
        {
            qLength += IsQSafe(b) || b == ' ' ? 1 : 3;
        }

        // Q stays readable for mostly-Latin text; B when Q would be over 1.5 times as long.
        var bLength = (bytes.Length + 2) / 3 * 4;
        var useB = qLength * 2 > bLength * 3;
        var first = true;
        var index = 0;
        while (index < run.Length)
        {
            // Room for this word: up to 75, and within 76 on the current line (a fold costs a leading space).
            var room = Math.Min(MaxWordLength, MaxLineLength - lineUsed - (first ? 0 : 1));
            if (room < 16)
            {
                room = MaxWordLength;
                lineUsed = 1; // the next word goes on a folded line after a space
                if (!first)
                {
                    output.Append(' ');
                    first = true;
                }
            }

            if (!first)
            {
                output.Append(' ');
                lineUsed++;
            }

            var word = useB ? TakeB(run, ref index, room) : TakeQ(run, ref index, room);
            output.Append(word);
            lineUsed += word.Length;
            first = false;
        }
    }

    private static string TakeB(string run, ref int index, int room)
    {
        var maxBytes = (room - BPrefix.Length - 2) / 4 * 3;
        var start = index;
        var byteCount = 0;
        while (index < run.Length)
        {
            var width = char.IsHighSurrogate(run[index]) && index + 1 < run.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(run.AsSpan(index, width));
            if (byteCount + size > maxBytes && index > start)
            {
                break;
            }

            byteCount += size;
            index += width;
        }

        return BPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(run[start..index])) + "?=";
    }

    private static string TakeQ(string run, ref int index, int room)
    {
        var budget = room - QPrefix.Length - 2;
        var word = new StringBuilder(QPrefix);
        var used = 0;
        Span<byte> buffer = stackalloc byte[8];
        var start = index;
        while (index < run.Length)
        {
            var width = char.IsHighSurrogate(run[index]) && index + 1 < run.Length ? 2 : 1;
            var n = Encoding.UTF8.GetBytes(run.AsSpan(index, width), buffer);
            var cost = 0;
            for (var k = 0; k < n; k++)
            {
                cost += IsQSafe(buffer[k]) || buffer[k] == ' ' ? 1 : 3;
            }

            if (used + cost > budget && index > start)
            {
                break;
            }

            for (var k = 0; k < n; k++)
            {
                var b = buffer[k];
                if (b == ' ')
                {
                    word.Append('_');
                }
                else if (IsQSafe(b))
                {
                    word.Append((char)b);
                }
                else
                {
                    word.Append('=').Append(b.ToString("X2"));
                }
            }

            used += cost;
            index += width;
        }

        return word.Append("?=").ToString();
    }

    // RFC 2047 §5 (3): the characters allowed unencoded in a Q word inside a phrase.
    private static bool IsQSafe(byte b) =>
        (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '!' || b == '*' || b == '+' || b == '-' || b == '/';
}
