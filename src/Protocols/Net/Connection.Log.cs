namespace Protocols.Net;

public sealed partial class Connection
{
    /// <summary>
    /// Logs this connection from now on: every byte the writer flushes and every byte the reader consumes goes to
    /// <paramref name="logger"/>, with <paramref name="protocol"/>'s secrets redacted on the way
    /// (<see cref="ProtocolSecretDetector"/>). Plaintext and, after a TLS upgrade, the decrypted bytes; never the
    /// TLS records. Once per connection.
    /// </summary>
    public void LogTo(IProtocolLogger logger, WireProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var tap = new ProtocolTap(logger, protocol);
        Writer.Tap(tap);
        Reader.Tap = tap;
    }

    /// <summary>The protocol log this connection feeds, when <see cref="LogTo"/> was called: clients mark payload through it.</summary>
    internal ProtocolTap? Log => Reader.Tap;
}
