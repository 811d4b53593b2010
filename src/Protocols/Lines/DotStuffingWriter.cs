using System.Buffers;

namespace Protocols.Lines;

/// <summary>
/// Writes message data for SMTP DATA (RFC 5321 §4.5.2): doubles a dot that starts a line, turns bare CR and LF
/// into CRLF (so the receiver sees the same lines we meant), and on <see cref="Complete"/> ends the last line
/// and adds the <c>.CRLF</c> end marker. Feed it chunks of any size.
/// </summary>
public sealed class DotStuffingWriter(IBufferWriter<byte> output)
{
    private readonly IBufferWriter<byte> _output = output ?? throw new ArgumentNullException(nameof(output));
    private bool _atLineStart = true;
    private bool _afterCr;
    private bool _completed;

    /// <summary>Bytes written to the output so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes a chunk of message data.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (_completed) throw new InvalidOperationException("the data is already complete");
        while (!data.IsEmpty)
        {
            if (_afterCr)
            {
                _afterCr = false;
                if (data[0] == (byte)'\n')
                {
                    Put("\n"u8);
                    _atLineStart = true;
                    data = data[1..];
                    continue;
                }
                Put("\n"u8); // a bare CR becomes CRLF
                _atLineStart = true;
            }
            if (_atLineStart && data[0] == (byte)'.') Put("."u8);
            _atLineStart = false;
            var at = data.IndexOfAny((byte)'\r', (byte)'\n');
            if (at < 0)
            {
                Put(data);
                return;
            }
            Put(data[..at]);
            if (data[at] == (byte)'\r')
            {
                Put("\r"u8);
                _afterCr = true;
            }
            else
            {
                Put("\r\n"u8); // a bare LF becomes CRLF
                _atLineStart = true;
            }
            data = data[(at + 1)..];
        }
    }

    /// <summary>Ends the last line if it is open and writes the end marker.</summary>
    public void Complete()
    {
        if (_completed) return;
        if (_afterCr) Put("\n"u8);
        else if (!_atLineStart) Put("\r\n"u8);
        Put(".\r\n"u8);
        _completed = true;
    }

    /// <summary>Stuffs a whole message into a new array, end marker included.</summary>
    public static byte[] Stuff(ReadOnlySpan<byte> message)
    {
        var buffer = new ArrayBufferWriter<byte>(message.Length + 64);
        var writer = new DotStuffingWriter(buffer);
        writer.Write(message);
        writer.Complete();
        return buffer.WrittenSpan.ToArray();
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        BytesWritten += bytes.Length;
    }
}
