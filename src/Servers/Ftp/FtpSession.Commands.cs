using System.Net.Security;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    /// <summary>Logs in or out: the state the verb table checks follows the user.</summary>
    private void SetUser(FtpUser? user)
    {
        _user = user;
        _cwd = "/";
        State = user is null ? FtpState.Connected : FtpState.LoggedIn;
    }

    private Task UserAsync(string name)
    {
        if (_options.RequireTls && !Secure)
            return ReplyAsync(530, "TLS required: use AUTH TLS first.");
        SetUser(null);
        _pendingUser = name;
        return _options.Authenticator.IsAnonymous(name)
            ? ReplyAsync(331, "Anonymous login ok, send your e-mail address as password.")
            : ReplyAsync(331, "Password required.");
    }

    private async Task PassAsync(string password, CancellationToken cancellationToken)
    {
        if (_pendingUser is null)
        {
            if (_user is null) await RejectAsync(FtpReject.BadSequence, "Login with USER first.").ConfigureAwait(false);
            else await ReplyAsync(230, "Already logged in.").ConfigureAwait(false);
            return;
        }
        var name = _pendingUser;
        _pendingUser = null;
        var user = await _options.Authenticator.AuthenticateAsync(name, password, RemoteEndPoint, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // Counted here and for the address across connections; the answer waits the growing delay.
            var spent = await AuthFailedAsync(cancellationToken).ConfigureAwait(false);
            if (spent) Write(Rejects[LineReject.TooManyAuthFailures]);
            else await RejectAsync(FtpReject.LoginFailed).ConfigureAwait(false);
            return;
        }
        SetUser(user);
        AuthSucceeded();
        await ReplyAsync(230, "Login successful.").ConfigureAwait(false);
    }

    private Task QuitAsync()
    {
        Closing = true;
        return ReplyAsync(221, "Goodbye.");
    }

    private async Task ReinAsync()
    {
        await AbortTransferAsync().ConfigureAwait(false);
        SetUser(null);
        _pendingUser = null;
        _type = TransferType.Binary;
        await ReplyAsync(220, "Ready for a new user.").ConfigureAwait(false);
    }

    private async Task AuthAsync(string mechanism, CancellationToken cancellationToken)
    {
        if (_options.Certificate is null)
        {
            await ReplyAsync(502, "TLS is not configured.").ConfigureAwait(false);
            return;
        }
        if (!mechanism.Equals("TLS", StringComparison.OrdinalIgnoreCase) && !mechanism.Equals("SSL", StringComparison.OrdinalIgnoreCase)
            && !mechanism.Equals("TLS-C", StringComparison.OrdinalIgnoreCase))
        {
            await ReplyAsync(504, "Unknown AUTH mechanism: use TLS.").ConfigureAwait(false);
            return;
        }
        if (Secure)
        {
            await RejectAsync(FtpReject.BadSequence, "Already using TLS.").ConfigureAwait(false);
            return;
        }
        // The kernel's one upgrade path; plaintext pipelined after AUTH TLS is refused (the session ends after the 234).
        WritePosted();
        if (!await UpgradeToTlsAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.Certificate }, Line(234, "Proceed with negotiation."),
                PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false)) return;
        // RFC 4217 §4: a successful AUTH resets the login state.
        SetUser(null);
        _pendingUser = null;
    }

    private Task PbszAsync(string size) =>
        !Secure ? RejectAsync(FtpReject.BadSequence, "PBSZ needs AUTH TLS first.") : ReplyAsync(200, "PBSZ=0");

    private Task ProtAsync(string level)
    {
        if (!Secure) return RejectAsync(FtpReject.BadSequence, "PROT needs AUTH TLS first.");
        switch (level.ToUpperInvariant())
        {
            case "C":
                _protectData = false;
                return ReplyAsync(200, "Protection level set to Clear.");
            case "P":
                _protectData = true;
                return ReplyAsync(200, "Protection level set to Private.");
            case "S":
            case "E":
                return ReplyAsync(536, "Protection level not supported.");
            default:
                return ReplyAsync(504, "Unknown protection level.");
        }
    }

    private Task FeatAsync()
    {
        var lines = new List<string> { "Features:" };
        if (_options.Certificate is not null) lines.AddRange([" AUTH TLS", " PBSZ", " PROT"]);
        lines.AddRange([
            " EPRT", " EPSV", " MDTM", " MFMT", " MLST type*;size*;modify*;perm*;", " REST STREAM", " SIZE", " TVFS", " UTF8",
            " HASH " + string.Join(';', FtpHash.Algorithms.Select(a => a == _hashAlgorithm ? a + "*" : a)),
            "End",
        ]);
        return ReplyAsync(211, lines);
    }

    private Task OptsAsync(string argument)
    {
        var space = argument.IndexOf(' ', StringComparison.Ordinal);
        var option = (space < 0 ? argument : argument[..space]).ToUpperInvariant();
        var value = space < 0 ? "" : argument[(space + 1)..].Trim();
        switch (option)
        {
            case "UTF8":
            case "UTF-8":
                return value.Length == 0 || value.Equals("ON", StringComparison.OrdinalIgnoreCase)
                    ? ReplyAsync(200, "Always in UTF8 mode.")
                    : ReplyAsync(504, "UTF8 cannot be turned off.");
            case "MLST":
            {
                var facts = MlstFacts.None;
                foreach (var f in value.Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    facts |= f.ToLowerInvariant() switch
                    {
                        "type" => MlstFacts.Type,
                        "size" => MlstFacts.Size,
                        "modify" => MlstFacts.Modify,
                        "perm" => MlstFacts.Perm,
                        _ => MlstFacts.None,
                    };
                }
                _facts = facts;
                var names = new[] { (MlstFacts.Type, "type"), (MlstFacts.Size, "size"), (MlstFacts.Modify, "modify"), (MlstFacts.Perm, "perm") }
                    .Where(p => (facts & p.Item1) != 0).Select(p => p.Item2 + ";");
                return ReplyAsync(200, "MLST OPTS " + string.Concat(names));
            }
            case "HASH":
                if (value.Length == 0) return ReplyAsync(200, _hashAlgorithm);
                if (!FtpHash.TryNormalize(value, out var algorithm)) return ReplyAsync(501, "Unknown algorithm.");
                _hashAlgorithm = algorithm;
                return ReplyAsync(200, algorithm);
            default:
                return ReplyAsync(501, "Option not understood.");
        }
    }

    private Task HelpAsync()
    {
        var verbs = Verbs.Verbs.Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
        var lines = new List<string> { "The following commands are recognized:" };
        for (var i = 0; i < verbs.Count; i += 10) lines.Add(" " + string.Join(' ', verbs.Skip(i).Take(10)));
        lines.Add("Help OK.");
        return ReplyAsync(214, lines);
    }

    private Task ModeAsync(string mode) =>
        mode.Equals("S", StringComparison.OrdinalIgnoreCase) ? ReplyAsync(200, "Mode set to S.") : ReplyAsync(504, "Only MODE S is supported.");

    private Task StruAsync(string structure) =>
        structure.Equals("F", StringComparison.OrdinalIgnoreCase) ? ReplyAsync(200, "Structure set to F.") : ReplyAsync(504, "Only STRU F is supported.");

    private Task TypeAsync(string type)
    {
        var t = type.ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        switch (t)
        {
            case "A":
            case "AN":
                _type = TransferType.Ascii;
                return ReplyAsync(200, "Switching to ASCII mode.");
            case "I":
            case "L8":
                _type = TransferType.Binary;
                return ReplyAsync(200, "Switching to Binary mode.");
            default:
                return ReplyAsync(504, "Unsupported TYPE.");
        }
    }
}
