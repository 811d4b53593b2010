using System.Buffers;
using System.Text;

namespace Protocols.Net;

/// <summary>
/// The one place the clients' secrets are taken out of a protocol log (MailKit's <c>IAuthenticationSecretDetector</c>,
/// streaming): it reads the bytes of both directions as they go, line by line, and writes them on with each secret
/// replaced by <see cref="Marker"/>. What it knows:
/// <list type="bullet">
/// <item>SMTP: the initial response of <c>AUTH mechanism response</c> (PLAIN, LOGIN, XOAUTH2, any), and every client
/// line after an AUTH until the server answers something other than 334 (the SASL continuations of LOGIN, CRAM-MD5,
/// XOAUTH2); a <c>*</c> cancel stays visible.</item>
/// <item>FTP: the argument of <c>PASS</c> and <c>ACCT</c>.</item>
/// <item>HTTP, both directions: the value of <c>Authorization</c> and <c>Proxy-Authorization</c> (the scheme stays:
/// <c>Basic [redacted]</c>), of <c>Cookie</c> and <c>Set-Cookie</c>.</item>
/// </list>
/// A line may arrive split anywhere, down to one byte per call: the output is the same. A line is held back only while
/// its first bytes could still turn out to be one of the forms above (at most 64 bytes), never its secret.
/// One instance per connection (it keeps each direction's place in the line); not thread-safe per direction.
/// </summary>
public sealed class ProtocolSecretDetector
{
    private const int MaxHead = 64;
    private const int NeedMore = -1;
    private const int Plain = int.MaxValue;

    private static readonly (byte[] Name, bool KeepScheme)[] HttpFields =
    [
        ("authorization:"u8.ToArray(), true),
        ("proxy-authorization:"u8.ToArray(), true),
        ("cookie:"u8.ToArray(), false),
        ("set-cookie:"u8.ToArray(), false),
    ];

    private static readonly byte[][] FtpVerbs = ["PASS "u8.ToArray(), "ACCT "u8.ToArray()];

    private readonly WireProtocol _protocol;
    private readonly byte[] _marker;
    private readonly LineState _client = new();
    private readonly LineState _server = new();
    private bool _sasl;

    public ProtocolSecretDetector(WireProtocol protocol)
    {
        _protocol = protocol;
        Marker = MarkerFor(protocol);
        _marker = Encoding.ASCII.GetBytes(Marker);
    }

    /// <summary>What stands in for a secret: <c>***</c> for SMTP, <c>****</c> for FTP, <c>[redacted]</c> for HTTP (what each client printed before).</summary>
    public string Marker { get; }

    public static string MarkerFor(WireProtocol protocol) => protocol switch
    {
        WireProtocol.Smtp => "***",
        WireProtocol.Ftp => "****",
        _ => "[redacted]",
    };

    /// <summary>One command line (no line end) with its secret replaced, for messages such as an exception's.</summary>
    public static string RedactLine(WireProtocol protocol, string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var output = new ArrayBufferWriter<byte>(line.Length + 16);
        new ProtocolSecretDetector(protocol).Redact(Encoding.UTF8.GetBytes(line + "\n"), fromClient: true, output);
        return Encoding.UTF8.GetString(output.WrittenSpan[..^1]);
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="output"/> with the secrets replaced, carrying its place in the line to the next call.</summary>
    public void Redact(ReadOnlySpan<byte> data, bool fromClient, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = fromClient ? _client : _server;
        while (!data.IsEmpty)
        {
            var lf = data.IndexOf((byte)'\n');
            switch (line.Mode)
            {
                case Mode.Plain:
                    var take = lf < 0 ? data.Length : lf + 1;
                    output.Write(data[..take]);
                    data = data[take..];
                    if (lf >= 0) EndLine(line, fromClient);
                    break;
                case Mode.Secret:
                    if (lf < 0)
                    {
                        line.PendingCr = data[^1] == (byte)'\r';
                        return;
                    }
                    output.Write((lf > 0 ? data[lf - 1] == (byte)'\r' : line.PendingCr) ? "\r\n"u8 : "\n"u8);
                    data = data[(lf + 1)..];
                    EndLine(line, fromClient);
                    break;
                default:
                    data = Classify(line, data, fromClient, output);
                    break;
            }
        }
    }

    /// <summary>Feeds the head of an undecided line byte by byte until its kind is known; returns the rest.</summary>
    private ReadOnlySpan<byte> Classify(LineState line, ReadOnlySpan<byte> data, bool fromClient, IBufferWriter<byte> output)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b == (byte)'\n')
            {
                var head = line.Head.AsSpan(0, line.Length);
                var cr = head.Length > 0 && head[^1] == (byte)'\r';
                var content = cr ? head[..^1] : head;
                var from = Decide(line, content, complete: true, overflow: false, fromClient);
                output.Write(content[..Math.Min(from, content.Length)]);
                if (from != Plain) output.Write(_marker);
                output.Write(cr ? "\r\n"u8 : "\n"u8);
                EndLine(line, fromClient);
                return data[(i + 1)..];
            }
            line.Head[line.Length++] = b;
            var full = line.Length == MaxHead;
            if (b == (byte)'\r' && !full) continue; // maybe the line end: decide when the next byte comes
            var decision = Decide(line, line.Head.AsSpan(0, line.Length), complete: false, overflow: full, fromClient);
            if (decision == NeedMore) continue;
            var known = line.Head.AsSpan(0, line.Length);
            if (decision == Plain)
            {
                output.Write(known);
                line.Mode = Mode.Plain;
            }
            else
            {
                output.Write(known[..decision]);
                output.Write(_marker);
                line.Mode = Mode.Secret;
                line.PendingCr = known[^1] == (byte)'\r';
            }
            return data[(i + 1)..];
        }
        return [];
    }

    /// <summary>
    /// Where the secret of a line starting with <paramref name="head"/> begins (<see cref="Plain"/>: none), or
    /// <see cref="NeedMore"/>. Once it answers for a head it answers the same for every longer head.
    /// </summary>
    private int Decide(LineState line, ReadOnlySpan<byte> head, bool complete, bool overflow, bool fromClient)
    {
        var final = complete || overflow;
        switch (_protocol)
        {
            case WireProtocol.Smtp when fromClient:
                if (_sasl) return head.IsEmpty ? (final ? Plain : NeedMore) : head[0] == (byte)'*' ? Plain : 0;
                switch (MatchPrefix(head, "AUTH "u8))
                {
                    case Match.No: return Plain;
                    case Match.Partial: return final ? Plain : NeedMore;
                }
                line.IsAuth = true;
                var space = head[5..].IndexOf((byte)' ');
                if (space >= 0) return 5 + space + 1;
                return overflow ? 5 : complete ? Plain : NeedMore;
            case WireProtocol.Smtp:
                if (head.Length < 3 && !final) return NeedMore;
                line.Is334 = head.StartsWith("334"u8);
                return Plain;
            case WireProtocol.Ftp when fromClient:
                var partial = false;
                foreach (var verb in FtpVerbs)
                {
                    var m = MatchPrefix(head, verb);
                    if (m == Match.Yes) return verb.Length;
                    partial |= m == Match.Partial;
                }
                return partial && !final ? NeedMore : Plain;
            case WireProtocol.Ftp:
                return Plain;
            default:
                return DecideHttpField(head, complete, overflow);
        }
    }

    private static int DecideHttpField(ReadOnlySpan<byte> head, bool complete, bool overflow)
    {
        var partial = false;
        foreach (var (name, keepScheme) in HttpFields)
        {
            var m = MatchPrefix(head, name);
            if (m == Match.Partial) partial = true;
            if (m != Match.Yes) continue;
            var value = name.Length;
            while (value < head.Length && head[value] is (byte)' ' or (byte)'\t') value++;
            if (value == head.Length) return complete ? Plain : overflow ? value : NeedMore;
            if (!keepScheme) return value;
            var space = head[value..].IndexOfAny((byte)' ', (byte)'\t');
            if (space >= 0) return value + space + 1;
            return complete || overflow ? value : NeedMore;
        }
        return partial && !(complete || overflow) ? NeedMore : Plain;
    }

    private enum Match { No, Partial, Yes }

    /// <summary>Case-insensitive: does <paramref name="head"/> start with <paramref name="prefix"/>, or could it still?</summary>
    private static Match MatchPrefix(ReadOnlySpan<byte> head, ReadOnlySpan<byte> prefix)
    {
        var n = Math.Min(head.Length, prefix.Length);
        if (!Ascii.EqualsIgnoreCase(head[..n], prefix[..n])) return Match.No;
        return n == prefix.Length ? Match.Yes : Match.Partial;
    }

    private void EndLine(LineState line, bool fromClient)
    {
        if (_protocol == WireProtocol.Smtp)
        {
            if (fromClient && line.IsAuth) _sasl = true;
            else if (!fromClient && _sasl && !line.Is334) _sasl = false;
        }
        line.Mode = Mode.Undecided;
        line.Length = 0;
        line.PendingCr = false;
        line.IsAuth = false;
        line.Is334 = false;
    }

    private enum Mode { Undecided, Plain, Secret }

    private sealed class LineState
    {
        public readonly byte[] Head = new byte[MaxHead];
        public int Length;
        public Mode Mode;
        public bool PendingCr;
        public bool IsAuth;
        public bool Is334;
    }
}
