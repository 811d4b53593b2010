namespace Protocols.Net;

/// <summary>
/// The peer broke the protocol (or the stream ended where it must not): the connection is no longer usable
/// and should be closed. Compare a command error, where the peer said no with a reply code and the session goes on.
/// </summary>
public class ProtocolException : IOException
{
    public ProtocolException(string message) : base(message) { }
    public ProtocolException(string message, Exception? inner) : base(message, inner) { }
    public ProtocolException() { }
}

/// <summary>
/// The stream ended before the delimiter or the byte count that was asked for (asyncio's <c>IncompleteReadError</c>).
/// <see cref="Partial"/> holds what did arrive.
/// </summary>
public class IncompleteReadException : ProtocolException
{
    public IncompleteReadException(ReadOnlyMemory<byte> partial, long? expected)
        : base(expected is { } n
            ? $"the stream ended after {partial.Length} of {n} expected bytes"
            : $"the stream ended after {partial.Length} bytes, before the delimiter")
    {
        Partial = partial;
        Expected = expected;
    }

    public IncompleteReadException() : this(ReadOnlyMemory<byte>.Empty, null) { }
    public IncompleteReadException(string message) : base(message) { }
    public IncompleteReadException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The bytes that arrived before the end of the stream (for a copy, only the count is known).</summary>
    public ReadOnlyMemory<byte> Partial { get; }

    /// <summary>The byte count asked for, or null when a delimiter was awaited.</summary>
    public long? Expected { get; }
}

/// <summary>More bytes arrived than the limit allows before the delimiter or the end.</summary>
public class LimitExceededException : ProtocolException
{
    public LimitExceededException(long limit, string what)
        : base($"{what} is longer than the limit of {limit} bytes") => Limit = limit;

    public LimitExceededException() { }
    public LimitExceededException(string message) : base(message) { }
    public LimitExceededException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The limit in bytes that was passed.</summary>
    public long Limit { get; }
}

/// <summary>
/// A line did not end within the maximum length. The reader stays at the start of the line: call
/// <see cref="ConnectionReader.DiscardLineAsync"/> to skip the rest of it and carry on (a server replies 500 and goes on).
/// </summary>
public class LineTooLongException : LimitExceededException
{
    public LineTooLongException(long limit) : base(limit, "the line") { }
    public LineTooLongException() { }
    public LineTooLongException(string message) : base(message) { }
    public LineTooLongException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The peer has gone: a write found the connection closed or reset. Never a silent drop.</summary>
public class ConnectionClosedException : IOException
{
    public ConnectionClosedException() : base("the connection is closed") { }
    public ConnectionClosedException(string message) : base(message) { }
    public ConnectionClosedException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// Plaintext had been received after the command that asked for TLS and before the handshake (the STARTTLS
/// command-injection class, CVE-2011-0411). Such bytes must never be read as if they came over TLS.
/// </summary>
public class PlaintextInjectionException : ProtocolException
{
    public PlaintextInjectionException(long bufferedBytes)
        : base($"{bufferedBytes} bytes of plaintext arrived after the TLS upgrade command; refusing to upgrade")
        => BufferedBytes = bufferedBytes;

    public PlaintextInjectionException() { }
    public PlaintextInjectionException(string message) : base(message) { }
    public PlaintextInjectionException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>How many plaintext bytes were waiting.</summary>
    public long BufferedBytes { get; }
}
