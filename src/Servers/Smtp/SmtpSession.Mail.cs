using System.Globalization;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    private async ValueTask<bool> MailAsync(string argument, CancellationToken cancellationToken)
    {
        if (_options.RequireTls && !IsTls) return await Refused(SmtpRejectReason.TlsRequired).ConfigureAwait(false);
        if (_options.RequireAuthentication && AuthenticatedUser is null) return await Refused(SmtpRejectReason.AuthenticationRequired).ConfigureAwait(false);
        if (SmtpPath.Parse(argument, "FROM:", out var error) is not var (address, parameters))
            return await Refused(SmtpRejectReason.SyntaxError, bad: true, error ?? "Syntax: MAIL FROM:<address> [parameters]").ConfigureAwait(false);
        if (CheckMailParameters(parameters) is var (refused, text))
            return await Refused(refused, bad: true, text).ConfigureAwait(false);
        var utf8 = parameters.ContainsKey("SMTPUTF8");
        if (address.Length != 0 && SmtpPath.CheckAddress(address, utf8) is { } wrong)
            return await Refused(wrong, bad: true).ConfigureAwait(false);
        if (parameters.TryGetValue("SIZE", out var size) && _limits.MaxMessageSize > 0
            && long.Parse(size!, CultureInfo.InvariantCulture) > _limits.MaxMessageSize)
            return await Refused(SmtpRejectReason.DeclaredSizeTooLarge).ConfigureAwait(false);
        if (await CallHookAsync(static (h, s, a, t) => h.OnMailFromAsync(s, a.address, a.parameters, t), (address, parameters), cancellationToken).ConfigureAwait(false) is { } hook)
        {
            Reply(hook);
            if (!hook.IsPositive) return false;
        }
        else Reply(250, "2.1.0", "Ok");
        _from = address;
        _mailParameters = parameters;
        return true;
    }

    /// <summary>Checks MAIL parameters against what is offered; the refusal names the parameter. Null when all are fine.</summary>
    private (SmtpRejectReason Reason, string Text)? CheckMailParameters(Dictionary<string, string?> parameters)
    {
        foreach (var (key, value) in parameters)
        {
            var ok = key switch
            {
                "SIZE" => _options.Offers(SmtpExtensions.Size) && value is { Length: > 0 and <= 19 } && value.All(char.IsAsciiDigit),
                "BODY" => value is not null && (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase)
                    || (value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase) && _options.Offers(SmtpExtensions.EightBitMime))),
                "SMTPUTF8" => _options.Offers(SmtpExtensions.SmtpUtf8) && value is null,
                "RET" => _options.Offers(SmtpExtensions.Dsn) && value is not null
                    && (value.Equals("FULL", StringComparison.OrdinalIgnoreCase) || value.Equals("HDRS", StringComparison.OrdinalIgnoreCase)),
                "ENVID" => _options.Offers(SmtpExtensions.Dsn) && value is { Length: > 0 and <= 100 },
                "AUTH" => AuthOffered && value is { Length: > 0 },
                _ => false,
            };
            if (ok) continue;
            return key is "SIZE" or "BODY" or "RET" or "ENVID" or "AUTH" && value is not null && IsKnownOffered(key)
                ? (SmtpRejectReason.SyntaxError, $"Bad {key} parameter syntax")
                : (SmtpRejectReason.ParameterNotImplemented, $"{key} parameter not recognized or not implemented");
        }
        return null;
    }

    private bool IsKnownOffered(string key) => key switch
    {
        "SIZE" => _options.Offers(SmtpExtensions.Size),
        "BODY" => false, // a BODY type we do not offer (BINARYMIME, or 8BITMIME switched off) is "not implemented"
        "RET" or "ENVID" => _options.Offers(SmtpExtensions.Dsn),
        "AUTH" => AuthOffered,
        _ => false,
    };

    private async ValueTask<bool> RecipientAsync(string argument, CancellationToken cancellationToken)
    {
        if (SmtpPath.Parse(argument, "TO:", out var error) is not var (address, parameters))
            return await Refused(SmtpRejectReason.SyntaxError, bad: true, error ?? "Syntax: RCPT TO:<address> [parameters]").ConfigureAwait(false);
        foreach (var (key, value) in parameters)
        {
            var ok = key switch
            {
                "NOTIFY" => _options.Offers(SmtpExtensions.Dsn) && IsValidNotify(value),
                "ORCPT" => _options.Offers(SmtpExtensions.Dsn) && value is { Length: > 2 } && value.Contains(';', StringComparison.Ordinal),
                _ => false,
            };
            if (!ok)
            {
                return key is "NOTIFY" or "ORCPT" && _options.Offers(SmtpExtensions.Dsn)
                    ? await Refused(SmtpRejectReason.SyntaxError, bad: true, $"Bad {key} parameter syntax").ConfigureAwait(false)
                    : await Refused(SmtpRejectReason.ParameterNotImplemented, bad: true, $"{key} parameter not recognized or not implemented").ConfigureAwait(false);
            }
        }
        var utf8 = _mailParameters?.ContainsKey("SMTPUTF8") == true;
        if (!address.Equals("postmaster", StringComparison.OrdinalIgnoreCase) && SmtpPath.CheckAddress(address, utf8) is { } wrong)
            return await Refused(wrong, bad: true).ConfigureAwait(false);
        if (_recipients.Count >= _limits.MaxRecipients) return await RefusedRecipient(SmtpRejectReasons.Get(SmtpRejectReason.TooManyRecipients), SmtpRejectReason.TooManyRecipients).ConfigureAwait(false);
        var recipient = new SmtpRecipient(address, parameters);
        if (await CallHookAsync(static (h, s, r, t) => h.OnRecipientAsync(s, r, t), recipient, cancellationToken).ConfigureAwait(false) is { } hook)
        {
            if (!hook.IsPositive) return await RefusedRecipient(new SmtpRejectReasons.Entry(hook.Code, hook.Enhanced, hook.Text), null).ConfigureAwait(false);
            Reply(hook);
        }
        else Reply(250, "2.1.5", "Ok");
        _recipients.Add(recipient);
        return true;
    }

    // A refused recipient costs a no-op: a flood of them ends with 421 like a flood of NOOPs.
    private ValueTask<bool> RefusedRecipient(SmtpRejectReasons.Entry reply, SmtpRejectReason? reason)
    {
        if (CountNoop())
        {
            Refuse(Lines.LineReject.TooManyNoops);
            return new(false);
        }
        if (reason is { } r) Reject(r);
        else Reply(reply.Code, reply.Enhanced, reply.Text);
        return new(false);
    }

    private static bool IsValidNotify(string? value)
    {
        if (value is null) return false;
        var parts = value.Split(',');
        if (parts.Length == 1 && parts[0].Equals("NEVER", StringComparison.OrdinalIgnoreCase)) return true;
        return parts.All(p => p.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase)
            || p.Equals("FAILURE", StringComparison.OrdinalIgnoreCase)
            || p.Equals("DELAY", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Runs a hook (a static lambda and its argument: no closure per call); a hook that throws is logged (not
    /// sent) and answered with 451. The default handler, which accepts everything, is not called at all.</summary>
    private async ValueTask<SmtpResponse?> CallHookAsync<TArg>(Func<ISmtpHandler, SmtpSession, TArg, CancellationToken, ValueTask<SmtpResponse?>> hook,
        TArg argument, CancellationToken cancellationToken)
    {
        var handler = _options.Handler;
        if (ReferenceEquals(handler, SmtpHandler.AcceptAll)) return null;
        try
        {
            return await hook(handler, this, argument, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HookFailed(e);
            return SmtpResponse.For(SmtpRejectReason.StorageFailed);
        }
    }
}
