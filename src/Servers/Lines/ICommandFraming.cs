using System.Buffers;

namespace Protocols.Servers.Lines;

/// <summary>What a framing found in the buffered bytes.</summary>
public enum FrameStatus
{
    /// <summary>Not a whole command yet: the loop reads more bytes and asks again.</summary>
    Incomplete,

    /// <summary>A whole command: <c>frame</c> holds it (without its final terminator) and <c>consumed</c> is past it.</summary>
    Complete,

    /// <summary>The command passed the framing's limit before it ended: the loop drains it to its line end and answers it.</summary>
    TooLong,

    /// <summary>
    /// The client waits for a go-ahead before it sends more of this command (an IMAP synchronizing literal
    /// <c>{n}</c>): the loop sends <see cref="ICommandFraming.ContinuationRequest"/>, then reads more and asks again.
    /// </summary>
    Continue,
}

/// <summary>
/// How a session's byte stream is cut into commands: a pure parser over buffered bytes in the spirit of
/// <see cref="Protocols.Net.IMessageReader{TMessage}"/> (Bedrock's <c>IMessageReader</c>), driven by the kernel's loop.
/// <para>
/// The loop hands the framing everything buffered from the start of the current command, every time, and consumes
/// nothing until <see cref="FrameStatus.Complete"/>. A framing may therefore keep a little state about the command in
/// progress (how far it has scanned, which literal it has already asked for) and must forget it in <see cref="Reset"/>,
/// which the loop calls after each command (complete, drained or abandoned). One instance per session.
/// </para>
/// <para>
/// Plain CRLF lines (<see cref="CrlfFraming"/>) serve SMTP, POP3 and FTP. IMAP plugs in a framing that scans a line,
/// and when it ends in <c>{n}</c> either finds the n literal bytes already buffered and goes on scanning after them,
/// or returns <see cref="FrameStatus.Continue"/> once (the loop sends <c>+ Ready</c>) and then
/// <see cref="FrameStatus.Incomplete"/> until they arrive; <c>{n+}</c> never asks. The complete frame is the whole
/// command, literals included, for the IMAP verb handlers to parse. See docs/kernel.md.
/// </para>
/// </summary>
public interface ICommandFraming
{
    /// <summary>Longest command the framing accepts, terminators (and literals) included.</summary>
    int MaxLength { get; }

    /// <summary>Looks for one command in <paramref name="input"/> (the bytes buffered from the start of the command).</summary>
    /// <param name="frame">When <see cref="FrameStatus.Complete"/>: the command without its final line terminator.</param>
    /// <param name="consumed">When <see cref="FrameStatus.Complete"/>: the position just past the command.</param>
    FrameStatus TryReadFrame(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> frame, out SequencePosition consumed);

    /// <summary>What the loop sends on <see cref="FrameStatus.Continue"/> (for IMAP <c>"+ Ready\r\n"</c>); empty when never used.</summary>
    ReadOnlyMemory<byte> ContinuationRequest { get; }

    /// <summary>Forgets the command in progress; called by the loop after each command.</summary>
    void Reset();
}
