using System.Net;
using Microsoft.Extensions.Logging;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Smtp;

/// <summary>
/// One SMTP session over a <see cref="Connection"/>, on the line-protocol kernel (<see cref="LineSession{TSession, TState}"/>):
/// plain code, no Kestrel, so a test can drive it over <see cref="Connection.CreatePair"/>. Commands are sequenced by
/// the verb table; every refusal goes through <see cref="SmtpRejectReasons"/>.
/// </summary>
public sealed partial class SmtpSession : LineSession<SmtpSession, SmtpState>, ISmtpSessionInfo
{
    private readonly bool _implicitTls;
    private readonly SmtpServerOptions _options;
    private readonly SmtpServerLimits _limits;
    private readonly MessageBuffer _buffer = new();
    private readonly DotReaderOptions _dataOptions = new();

    // The current transaction.
    private string? _from;
    private Dictionary<string, string?>? _mailParameters;
    private readonly List<SmtpRecipient> _recipients = [];

    /// <param name="connection">The connection; the session owns it from now on.</param>
    /// <param name="options">Server options (shared by sessions).</param>
    /// <param name="implicitTls">True when the transport below the connection is already TLS (an SMTPS endpoint
    /// whose TLS the host terminated).</param>
    public SmtpSession(Connection connection, SmtpServerOptions options, bool implicitTls = false)
        : base(connection, Verbs, CommandFraming(options), options.Limits.ToSessionLimits(), options.Services, SmtpState.Connected)
    {
        _implicitTls = implicitTls;
        _options = options;
        _limits = options.Limits;
        if (options.RecordTranscript) Transcript = new SessionTranscript();
    }

    private static CrlfFraming CommandFraming(SmtpServerOptions options) =>
        // Commands accept a bare LF (DATA has its own strict end-marker rule); MAIL/RCPT may use the parameter allowance.
        new(options.Limits.MaxCommandLineLength + options.Limits.ParameterAllowance, acceptBareLf: true);

    public string? HeloName { get; private set; }
    public bool IsTls => _implicitTls || Connection.IsTls;
    public string? AuthenticatedUser { get; private set; }

    /// <summary>Messages accepted in this session.</summary>
    public int MessageCount { get; private set; }

    protected override string? FaultSender => _from;

    private bool UseEnhanced => _options.Offers(SmtpExtensions.EnhancedStatusCodes);

    protected override async ValueTask<bool> GreetAsync(CancellationToken cancellationToken)
    {
        var refusal = await _options.Handler.OnConnectAsync(this, cancellationToken).ConfigureAwait(false);
        if (refusal is { IsPositive: false })
        {
            Reply(refusal);
            Closing = true;
            return false;
        }
        WriteReply(220, last: true, null, _options.ServerName, " ", _options.GreetingText);
        return true;
    }

    private ValueTask<bool> Hello(string argument, bool extended)
    {
        var name = argument.Trim();
        if (name.Length == 0 || (name.Contains(' ', StringComparison.Ordinal) && !extended))
            return Refused(SmtpRejectReason.SyntaxError, bad: true);
        if (name.AsSpan().ContainsAnyInRange('\0', '\x1f') || name.Contains('\x7f', StringComparison.Ordinal))
            return Refused(SmtpRejectReason.SyntaxError, bad: true, text: "Syntax: EHLO domain (no control characters)");
        ResetTransaction();
        HeloName = name;
        State = SmtpState.Ready;
        if (!extended)
        {
            Reply(250, null, _options.ServerName);
            return new(true);
        }
        WriteEhloReply(name);
        return new(true);
    }

    private ValueTask<bool> Rset()
    {
        ResetTransaction();
        return Ok();
    }

    private ValueTask<bool> Ok()
    {
        Reply(250, "2.0.0", "Ok");
        return new(true);
    }

    private ValueTask<bool> Quit()
    {
        Reply(221, "2.0.0", "Bye");
        Closing = true;
        return new(true);
    }

    private ValueTask<bool> Verify(string argument)
    {
        if (argument.Length == 0) return Refused(SmtpRejectReason.SyntaxError, bad: true);
        Reply(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery");
        return new(true);
    }

    private ValueTask<bool> Help()
    {
        Reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
        return new(true);
    }

    private bool CanStartTls =>
        _options.Offers(SmtpExtensions.StartTls) && !IsTls && _options.GetTlsOptions() is not null;

    private bool AuthOffered => _options.Offers(SmtpExtensions.Auth) && _options.Authenticator is not null;

    private bool CanAuth => AuthOffered && (IsTls || _options.AllowInsecureAuth);

    private void ResetTransaction()
    {
        _from = null;
        _mailParameters = null;
        _recipients.Clear();
        _buffer.Reset();
        if (State != SmtpState.Connected) State = SmtpState.Ready;
    }

    /// <summary>Answers with <paramref name="reason"/>; a bad command (<paramref name="bad"/>) is counted, and past the budget gets the closing reply.</summary>
    private ValueTask<bool> Refused(SmtpRejectReason reason, bool bad = false, string? text = null)
    {
        if (bad && CountBadCommand()) reason = SmtpRejectReason.TooManyErrors;
        Reject(reason, reason == SmtpRejectReason.TooManyErrors ? null : text);
        return new(false);
    }

    protected override void Refuse(LineReject reason) => Reject(SmtpRejectReasons.Table.MappedReason(reason)!.Value);

    private void Reject(SmtpRejectReason reason, string? text = null)
    {
        var entry = SmtpRejectReasons.Table[reason];
        CountRejected(entry);
        Reply(entry.Code, entry.Enhanced, text ?? entry.Text);
        if (entry.Closes) Closing = true;
    }

    protected override void WriteFault(in VerbFault fault)
    {
        Reply(fault.Code, fault.Enhanced, fault.Text ?? "Scripted failure");
        if (fault.Code == 421) Closing = true;
    }

    public override ValueTask DisposeAsync()
    {
        _buffer.Dispose();
        return base.DisposeAsync();
    }
}
