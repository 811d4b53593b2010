using System.Buffers;
using System.Text;

namespace Protocols.Servers.Lines;

public abstract partial class LineSession<TSession, TState>
{
    // One command: split, look up, check the length, let the interceptor act, check budgets, state and argument, run.
    private async ValueTask DispatchAsync(ReadOnlySequence<byte> frame, CancellationToken cancellationToken)
    {
        var length = (int)frame.Length;
        byte[]? rented = null;
        var span = frame.IsSingleSegment ? frame.FirstSpan : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        if (rented is not null) frame.CopyTo(rented);
        Verb<TSession>? verb;
        string argument;
        ReadOnlySequence<byte> argumentBytes;
        string? unknownName = null;
        try
        {
            if (!SplitCommand(span, out var verbRange, out var argumentRange))
            {
                if (TraceEnabled) LineLog.CommandReceived(Logger, Services.Protocol, SessionId, Encoding.UTF8.GetString(span));
                Transcript?.Client(span);
                Bad(LineReject.SyntaxError);
                return;
            }
            var verbSpan = span[verbRange];
            verb = _verbs.Find(verbSpan);
            var (offset, argumentLength) = argumentRange.GetOffsetAndLength(span.Length);
            var arg = span.Slice(offset, argumentLength).TrimEnd((byte)' ');
            argument = arg.IsEmpty ? "" : Encoding.UTF8.GetString(arg);
            argumentBytes = frame.Slice(offset, arg.Length);
            if (TraceEnabled) LineLog.CommandReceived(Logger, Services.Protocol, SessionId, LogLine(verb, span, verbSpan, argument));
            if (Transcript is { } transcript)
            {
                if (verb is not null && verb.Has(VerbFlags.Secret)) transcript.Client(LogLine(verb, span, verbSpan, argument));
                else transcript.Client(span);
            }
            if (verb is null && Services.Interceptor is not null) unknownName = Encoding.ASCII.GetString(verbSpan).ToUpperInvariant();
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }

        if (length > Limits.MaxCommandLength - 2 && (verb is null || !verb.Has(VerbFlags.LongArgument)))
        {
            await SkipPayloadAsync(verb, argument, cancellationToken).ConfigureAwait(false);
            Bad(LineReject.LineTooLong);
            return;
        }

        var uses = ++_uses[verb?.Id ?? 0];
        var disconnectAfter = false;
        if (Services.Interceptor is { } interceptor)
        {
            var fault = interceptor.OnCommand(Services.Protocol, verb?.Name ?? unknownName ?? "", uses, argument, FaultSender);
            if (fault.Delay > TimeSpan.Zero) await Task.Delay(fault.Delay, cancellationToken).ConfigureAwait(false);
            switch (fault.Action)
            {
                case VerbFaultAction.Reply:
                    await SkipPayloadAsync(verb, argument, cancellationToken).ConfigureAwait(false);
                    WriteFault(fault);
                    return;
                case VerbFaultAction.Disconnect:
                    Closing = true;
                    Connection.Abort();
                    return;
                case VerbFaultAction.DisconnectAfter:
                    disconnectAfter = true;
                    break;
            }
        }

        if (verb is null)
        {
            Bad(LineReject.UnknownCommand);
            return;
        }
        if (verb.Has(VerbFlags.Junk) && uses > Limits.MaxRepeats)
        {
            Refuse(LineReject.TooManyRepeats);
            return;
        }
        if ((verb.States & _state) == 0)
        {
            await SkipPayloadAsync(verb, argument, cancellationToken).ConfigureAwait(false);
            Bad(LineReject.BadSequence);
            return;
        }
        if ((verb.Argument == ArgumentRule.None && argument.Length != 0) || (verb.Argument == ArgumentRule.Required && argument.Length == 0))
        {
            await SkipPayloadAsync(verb, argument, cancellationToken).ConfigureAwait(false);
            Bad(LineReject.SyntaxError);
            return;
        }
        if (verb.Has(VerbFlags.NoopLike) && CountNoop())
        {
            Refuse(LineReject.TooManyNoops);
            return;
        }

        var command = new LineCommand(verb, argument, frame, argumentBytes, uses);
        if (await verb.Handler((TSession)this, command, cancellationToken).ConfigureAwait(false) && verb.NextState >= 0)
            _state = verb.NextState;

        if (disconnectAfter)
        {
            await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            Closing = true;
            Connection.Abort();
        }
    }

    private static string LogLine(VerbInfo? verb, ReadOnlySpan<byte> line, ReadOnlySpan<byte> verbSpan, string argument)
    {
        if (verb is null || !verb.Has(VerbFlags.Secret)) return Encoding.UTF8.GetString(line);
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        var shown = verb.Name == "PASS" || argument.Length == 0 ? "" : space < 0 ? " " + argument : " " + argument[..space];
        return verb.Name + shown + " ***";
    }

    // A refused command's payload (BDAT's chunk) is consumed, never read as commands; when its size is unknown the session ends.
    private async ValueTask SkipPayloadAsync(Verb<TSession>? verb, string argument, CancellationToken cancellationToken)
    {
        if (verb?.Payload is not { } rule) return;
        var count = rule((TSession)this, argument);
        if (count < 0) Closing = true;
        else if (count > 0) await SkipAsync(count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts a bad command and answers it with <paramref name="reason"/>; past the budget, the closing reply instead.</summary>
    protected void Bad(LineReject reason) => Refuse(CountBadCommand() ? LineReject.TooManyErrors : reason);

    /// <summary>Counts a bad command; true when the budget is spent (answer with <see cref="LineReject.TooManyErrors"/>).</summary>
    protected bool CountBadCommand() => ++_badCommands > Limits.MaxBadCommands;

    /// <summary>Counts a no-op-like command (SMTP <c>BDAT 0</c>, a refused RCPT); true when the budget is spent (answer with <see cref="LineReject.TooManyNoops"/>).</summary>
    protected bool CountNoop() => ++_noops > Limits.MaxNoops;

    /// <summary>The address the client connects from, for per-address accounting.</summary>
    protected System.Net.IPAddress? ClientAddress => ConnectionLimiter.AddressOf(RemoteEndPoint);

    /// <summary>
    /// Counts a failed authentication here and for the client's address (across connections), then waits the growing
    /// delay before the caller answers. True when the session's budget is spent (answer with <see cref="LineReject.TooManyAuthFailures"/>).
    /// </summary>
    protected async ValueTask<bool> AuthFailedAsync(CancellationToken cancellationToken)
    {
        var throttle = Services.AuthThrottle;
        var address = ClientAddress;
        var delay = throttle.Failed(address);
        LineLog.AuthFailed(Logger, Services.Protocol, SessionId, RemoteEndPoint, address is null ? 0 : throttle.FailuresOf(address), (long)delay.TotalMilliseconds);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        return ++_authFailures >= Limits.MaxAuthFailures;
    }

    /// <summary>A successful authentication: the address's failure count shrinks.</summary>
    protected void AuthSucceeded() => Services.AuthThrottle.Succeeded(ClientAddress);

    /// <summary>Counts a refusal in the metrics and the log (the protocol calls it when it writes a reject-table reply).</summary>
    protected void CountRejected(RejectEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Services.Metrics.Rejected(Services.Protocol, entry.Tag);
        LineLog.Rejected(Logger, Services.Protocol, SessionId, entry.Tag);
    }

    /// <summary>Logs a reply line at Trace (protocols call it from their reply writer when <see cref="TraceEnabled"/>).</summary>
    protected void TraceReply(string line) => LineLog.ReplySent(Logger, Services.Protocol, SessionId, line);
}
