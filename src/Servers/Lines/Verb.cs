using System.Buffers;

namespace Protocols.Servers.Lines;

/// <summary>What a verb's argument must look like before its handler runs; a mismatch is a syntax error.</summary>
public enum ArgumentRule
{
    /// <summary>Anything, or nothing: the handler checks.</summary>
    Any,
    /// <summary>No argument (SMTP DATA, STARTTLS; POP3 STAT).</summary>
    None,
    /// <summary>An argument must follow (POP3 USER, RETR).</summary>
    Required,
}

/// <summary>How the kernel treats a verb besides its states and argument.</summary>
[Flags]
public enum VerbFlags
{
    None = 0,
    /// <summary>Repeated use is budgeted per session (<see cref="SessionLimits.MaxRepeats"/>): Postfix's "junk" commands.</summary>
    Junk = 1,
    /// <summary>Each use counts toward the no-op budget (<see cref="SessionLimits.MaxNoops"/>); handlers may count more (SMTP BDAT 0, a refused RCPT).</summary>
    NoopLike = 2,
    /// <summary>The argument is a secret past its first word (SMTP AUTH, POP3 PASS): logs show <c>***</c>.</summary>
    Secret = 4,
    /// <summary>May use the framing's whole length (SMTP MAIL/RCPT with parameters); other verbs are held to <see cref="SessionLimits.MaxCommandLength"/>.</summary>
    LongArgument = 8,
}

/// <summary>Handles one command; returns true when it was accepted (the table's next state then applies).</summary>
public delegate ValueTask<bool> VerbHandler<in TSession>(TSession session, LineCommand command, CancellationToken cancellationToken);

/// <summary>
/// Bytes that follow a command line and belong to it (SMTP <c>BDAT n</c>: n). When the kernel refuses such a command
/// without running its handler (out of sequence, a scripted reply, too long), it consumes them so they are never read
/// as commands. Returns -1 when the count cannot be known (the kernel then ends the session after its answer).
/// </summary>
public delegate long PayloadRule<in TSession>(TSession session, string argument);

/// <summary>One verb of a protocol, as the kernel and the logs see it.</summary>
public abstract class VerbInfo
{
    private protected VerbInfo(string name, int id, ArgumentRule argument, VerbFlags flags)
    {
        Name = name;
        Id = id;
        Argument = argument;
        Flags = flags;
    }

    /// <summary>The verb in upper case (also its log and metric name).</summary>
    public string Name { get; }

    /// <summary>Its index in the table (0 is kept for unknown verbs).</summary>
    public int Id { get; }

    public ArgumentRule Argument { get; }

    public VerbFlags Flags { get; }

    public bool Has(VerbFlags flag) => (Flags & flag) == flag;

    public override string ToString() => Name;
}

/// <summary>A verb with its handler, the states it is allowed in (a bit mask) and the state it leads to.</summary>
public sealed class Verb<TSession> : VerbInfo
{
    internal Verb(string name, int id, int states, ArgumentRule argument, VerbHandler<TSession> handler, int nextState, VerbFlags flags, PayloadRule<TSession>? payload)
        : base(name, id, argument, flags)
    {
        Payload = payload;
        States = states;
        Handler = handler;
        NextState = nextState;
    }

    /// <summary>Bit mask of the states the verb is allowed in; out of them: "bad sequence".</summary>
    public int States { get; }

    public VerbHandler<TSession> Handler { get; }

    /// <summary>The state after an accepted command, or -1 to leave it to the handler.</summary>
    public int NextState { get; }

    /// <summary>The bytes after the command line that belong to it, for when it is refused unhandled.</summary>
    public PayloadRule<TSession>? Payload { get; }
}

/// <summary>
/// One command as the handler gets it: the verb, its argument decoded (UTF-8, trailing spaces trimmed) and the raw
/// bytes. <see cref="Frame"/> and <see cref="ArgumentBytes"/> are slices of the receive buffer: valid until the
/// handler reads from the connection.
/// </summary>
public readonly struct LineCommand
{
    internal LineCommand(VerbInfo verb, string argument, ReadOnlySequence<byte> frame, ReadOnlySequence<byte> argumentBytes, int use)
    {
        Verb = verb;
        Argument = argument;
        Frame = frame;
        ArgumentBytes = argumentBytes;
        Use = use;
    }

    public VerbInfo Verb { get; }

    /// <summary>The argument, "" when there is none.</summary>
    public string Argument { get; }

    /// <summary>The whole command without its final line end (for IMAP: literals included).</summary>
    public ReadOnlySequence<byte> Frame { get; }

    public ReadOnlySequence<byte> ArgumentBytes { get; }

    /// <summary>How many times this verb was used in the session, this use included.</summary>
    public int Use { get; }
}
