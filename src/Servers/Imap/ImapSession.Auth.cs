using System.Net.Security;
using System.Text;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Imap;

internal sealed partial class ImapSession
{
    private string CapabilityList()
    {
        var sb = new StringBuilder("IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE ESEARCH SPECIAL-USE CHILDREN");
        sb.Append(" APPENDLIMIT=").Append(_options.MaxAppendSize);
        if (State == ImapStates.NotAuthenticated)
        {
            if (!Secure && _options.Certificate is not null) sb.Append(" STARTTLS");
            if (LoginAllowed) sb.Append(" AUTH=PLAIN");
            else sb.Append(" LOGINDISABLED");
        }
        return sb.ToString();
    }

    private ValueTask<ImapOutcome> CapabilityAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        W.Raw("* CAPABILITY ").Raw(CapabilityList()).Crlf();
        return OkAsync(command, "CAPABILITY completed", cancellationToken);
    }

    private async ValueTask<ImapOutcome> LogoutAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        W.Raw("* BYE Logging out").Crlf();
        await TaggedAsync(command.Tag, "OK", "LOGOUT completed", cancellationToken).ConfigureAwait(false);
        return ImapOutcome.Close;
    }

    private ValueTask<ImapOutcome> IdAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        W.Raw("* ID (\"name\" \"Protocols\" \"vendor\" \"Protocols\")").Crlf();
        return OkAsync(command, "ID completed", cancellationToken);
    }

    private async ValueTask<ImapOutcome> StartTlsAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (_options.Certificate is null || Secure) return await BadArgumentsAsync(command, Secure ? "TLS is already on" : "TLS is not offered", cancellationToken).ConfigureAwait(false);
        if (command.Arguments.Count != 0) return await BadArgumentsAsync(command, "takes no arguments", cancellationToken).ConfigureAwait(false);
        var reply = Encoding.ASCII.GetBytes(command.Tag + " OK Begin TLS negotiation now\r\n");
        // The kernel's one TLS path: whatever the client pipelined after STARTTLS is dropped, never read as a command (RFC 9051 section 6.2.1).
        return await UpgradeToTlsAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.Certificate }, reply, cancellationToken).ConfigureAwait(false)
            ? ImapOutcome.Continue : ImapOutcome.Close;
    }

    private async ValueTask<ImapOutcome> LoginAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count != 2 || !args[0].IsAString || !args[1].IsAString) return await BadArgumentsAsync(command, "takes a user name and a password", cancellationToken).ConfigureAwait(false);
        if (!LoginAllowed) return await NoAsync(command, "[PRIVACYREQUIRED] LOGIN is disabled until STARTTLS", cancellationToken).ConfigureAwait(false);
        return await LogInAsync(command, args[0].Text, args[1].Text, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ImapOutcome> AuthenticateAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var args = command.Arguments;
        if (args.Count is < 1 or > 2 || args[0].Kind != ImapValueKind.Atom) return await BadArgumentsAsync(command, "takes a mechanism and an optional initial response", cancellationToken).ConfigureAwait(false);
        if (!args[0].Text.Equals("PLAIN", StringComparison.OrdinalIgnoreCase)) return await NoAsync(command, "[CANNOT] only PLAIN is offered", cancellationToken).ConfigureAwait(false);
        if (!LoginAllowed) return await NoAsync(command, "[PRIVACYREQUIRED] AUTHENTICATE is disabled until STARTTLS", cancellationToken).ConfigureAwait(false);
        string response;
        if (args.Count == 2)
        {
            response = args[1].Text == "=" ? "" : args[1].Text; // SASL-IR (RFC 4959): "=" is an empty initial response
        }
        else
        {
            W.Raw("+ ").Crlf();
            await Connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            response = await ReadTextLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IncompleteReadException(ReadOnlyMemory<byte>.Empty, null);
        }
        if (response == "*") return await TaggedAsync(command.Tag, "BAD", "AUTHENTICATE cancelled", cancellationToken).ConfigureAwait(false);
        if (!Sasl.TryDecodePlain(response, out _, out var user, out var password))
            return await BadArgumentsAsync(command, "the PLAIN response is not base64 of authzid NUL user NUL password", cancellationToken).ConfigureAwait(false);
        return await LogInAsync(command, user, password, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ImapOutcome> LogInAsync(ImapCommand command, string user, string password, CancellationToken cancellationToken)
    {
        var ok = _options.Authenticator?.Invoke(user, password) ?? true;
        if (ok && _options.PerRecipient && !LooksLikeAddress(user)) ok = false;
        if (!ok)
        {
            // The kernel's auth budget: a growing delay per failure and per address, BYE past the budget.
            var spent = await AuthFailedAsync(cancellationToken).ConfigureAwait(false);
            var why = _options.PerRecipient && !LooksLikeAddress(user) ? "in per-recipient mode the user name is an address" : "Authentication failed";
            await NoAsync(command, "[AUTHENTICATIONFAILED] " + why, cancellationToken).ConfigureAwait(false);
            if (spent) Refuse(LineReject.TooManyAuthFailures);
            return ImapOutcome.Continue;
        }
        AuthSucceeded();
        _user = user;
        State = ImapStates.Authenticated;
        return await TaggedAsync(command.Tag, "OK", "[CAPABILITY " + CapabilityList() + "] Logged in", cancellationToken).ConfigureAwait(false);
    }

    private static bool LooksLikeAddress(string user)
    {
        var at = user.LastIndexOf('@');
        return at > 0 && at < user.Length - 1 && !user.Any(char.IsWhiteSpace);
    }

    private async ValueTask<ImapOutcome> EnableAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (command.Arguments.Count == 0) return await BadArgumentsAsync(command, "takes capability names", cancellationToken).ConfigureAwait(false);
        var enabled = new List<string>();
        foreach (var arg in command.Arguments)
        {
            if (arg.Text.Equals("IMAP4rev2", StringComparison.OrdinalIgnoreCase) && !_rev2)
            {
                _rev2 = true;
                enabled.Add("IMAP4rev2");
            }
        }
        W.Raw("* ENABLED");
        foreach (var name in enabled) W.Space().Raw(name);
        W.Crlf();
        return await OkAsync(command, "ENABLE completed", cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<ImapOutcome> NamespaceAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        W.Raw("* NAMESPACE ((\"\" \"/\")) NIL NIL").Crlf();
        return OkAsync(command, "NAMESPACE completed", cancellationToken);
    }
}
