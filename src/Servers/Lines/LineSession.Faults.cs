namespace Protocols.Servers.Lines;

public abstract partial class LineSession<TSession, TState>
{
    /// <summary>The session's sender for fault rules that match senders (SMTP: the MAIL FROM address); null by default.</summary>
    protected virtual string? FaultSender => null;

    /// <summary>
    /// Lets the interceptor act at a stage that is no command (<see cref="FaultStages"/>): waits its delay, then writes its
    /// reply or drops the connection. False when the stage must not go on (a reply was sent instead, or the connection
    /// dropped); a reply at <see cref="FaultStages.Connect"/> also ends the session.
    /// </summary>
    protected async ValueTask<bool> StageFaultAsync(string stage, string? sender, CancellationToken cancellationToken)
    {
        if (Services.Interceptor is not { } interceptor) return true;
        var fault = interceptor.OnCommand(Services.Protocol, stage, 1, "", sender);
        if (fault.Delay > TimeSpan.Zero) await Task.Delay(fault.Delay, cancellationToken).ConfigureAwait(false);
        switch (fault.Action)
        {
            case VerbFaultAction.Reply:
                WriteFault(fault);
                if (stage == FaultStages.Connect) Closing = true;
                return false;
            case VerbFaultAction.Disconnect:
                Closing = true;
                Connection.Abort();
                return false;
            case VerbFaultAction.DisconnectAfter:
                await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
                Closing = true;
                Connection.Abort();
                return false;
            default:
                return true;
        }
    }
}
