using System.Globalization;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    private async ValueTask MailAsync(string argument, CancellationToken cancellationToken)
    {
        if (_options.RequireTls && !IsTls)
        {
            Reject(SmtpRejectReason.TlsRequired);
            return;
        }
        if (_options.RequireAuthentication && AuthenticatedUser is null)
        {
            Reject(SmtpRejectReason.AuthenticationRequired);
            return;
        }
        if (SmtpPath.Parse(argument, "FROM:") is not var (address, parameters))
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
        if (CheckMailParameters(parameters) is { } refused)
        {
            Bad(refused);
            return;
        }
        var utf8 = parameters.ContainsKey("SMTPUTF8");
        if (address.Length != 0 && !SmtpPath.IsValidAddress(address, utf8))
        {
            Bad(SmtpRejectReason.BadAddress);
            return;
        }
        if (parameters.TryGetValue("SIZE", out var size) && _limits.MaxMessageSize > 0
            && long.Parse(size!, CultureInfo.InvariantCulture) > _limits.MaxMessageSize)
        {
            Reject(SmtpRejectReason.DeclaredSizeTooLarge);
            return;
        }
        if (await CallHookAsync(() => _options.Handler.OnMailFromAsync(this, address, parameters, cancellationToken)).ConfigureAwait(false) is { } hook)
        {
            Reply(hook);
            if (!hook.IsPositive) return;
        }
        else Reply(250, "2.1.0", "Ok");
        _from = address;
        _mailParameters = parameters;
        _state = SmtpState.Mail;
    }

    /// <summary>Checks MAIL parameters against what is offered. Null when all are fine.</summary>
    private SmtpRejectReason? CheckMailParameters(Dictionary<string, string?> parameters)
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
            if (!ok) return key is "SIZE" or "BODY" or "RET" or "ENVID" or "AUTH" && value is not null && IsKnownOffered(key)
                ? SmtpRejectReason.SyntaxError
                : SmtpRejectReason.ParameterNotImplemented;
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

    private async ValueTask RecipientAsync(string argument, CancellationToken cancellationToken)
    {
        if (SmtpPath.Parse(argument, "TO:") is not var (address, parameters))
        {
            Bad(SmtpRejectReason.SyntaxError);
            return;
        }
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
                Bad(key is "NOTIFY" or "ORCPT" && _options.Offers(SmtpExtensions.Dsn) ? SmtpRejectReason.SyntaxError : SmtpRejectReason.ParameterNotImplemented);
                return;
            }
        }
        var utf8 = _mailParameters?.ContainsKey("SMTPUTF8") == true;
        if (!address.Equals("postmaster", StringComparison.OrdinalIgnoreCase) && !SmtpPath.IsValidAddress(address, utf8))
        {
            Bad(SmtpRejectReason.BadAddress);
            return;
        }
        if (_recipients.Count >= _limits.MaxRecipients)
        {
            Reject(SmtpRejectReason.TooManyRecipients);
            return;
        }
        var recipient = new SmtpRecipient(address, parameters);
        if (await CallHookAsync(() => _options.Handler.OnRecipientAsync(this, recipient, cancellationToken)).ConfigureAwait(false) is { } hook)
        {
            Reply(hook);
            if (!hook.IsPositive) return;
        }
        else Reply(250, "2.1.5", "Ok");
        _recipients.Add(recipient);
        _state = SmtpState.Rcpt;
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

    /// <summary>Runs a hook; a hook that throws is logged (not sent) and answered with 451.</summary>
    private async ValueTask<SmtpResponse?> CallHookAsync(Func<ValueTask<SmtpResponse?>> hook)
    {
        try
        {
            return await hook().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log("hook failed: {0}", e.ToString());
            return SmtpResponse.For(SmtpRejectReason.StorageFailed);
        }
    }
}
