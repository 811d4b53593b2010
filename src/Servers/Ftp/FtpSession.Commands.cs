using Microsoft.Extensions.Logging;
using System.Net.Security;
using Protocols.Net;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    private enum Access { Any, LoggedIn, Write }

    private enum ArgumentRule { Optional, Required }

    private sealed record Command(Access Access, ArgumentRule Argument, bool DuringTransfer, Func<FtpSession, string, CancellationToken, Task> Handler);

    private static Command Any(Func<FtpSession, string, CancellationToken, Task> h, ArgumentRule a = ArgumentRule.Optional) => new(Access.Any, a, false, h);
    private static Command User(Func<FtpSession, string, CancellationToken, Task> h, ArgumentRule a = ArgumentRule.Optional) => new(Access.LoggedIn, a, false, h);
    private static Command Write(Func<FtpSession, string, CancellationToken, Task> h) => new(Access.Write, ArgumentRule.Required, false, h);

    /// <summary>
    /// The command table: verb -> who may run it (anyone, a logged-in user, a user with write permission), whether an
    /// argument is required, whether it answers during a transfer, and the handler. Sequence rules (PASS after USER,
    /// RNTO after RNFR, PBSZ/PROT after AUTH) are checked by the handlers and answered with 503.
    /// </summary>
    private static readonly Dictionary<string, Command> Commands = new(StringComparer.Ordinal)
    {
        ["USER"] = Any((s, a, c) => s.UserAsync(a), ArgumentRule.Required),
        ["PASS"] = Any((s, a, c) => s.PassAsync(a, c)),
        ["QUIT"] = new(Access.Any, ArgumentRule.Optional, false, (s, a, c) => s.QuitAsync()),
        ["REIN"] = Any((s, a, c) => s.ReinAsync()),
        ["AUTH"] = Any((s, a, c) => s.AuthAsync(a, c), ArgumentRule.Required),
        ["PBSZ"] = Any((s, a, c) => s.PbszAsync(a), ArgumentRule.Required),
        ["PROT"] = Any((s, a, c) => s.ProtAsync(a), ArgumentRule.Required),
        ["CCC"] = Any((s, a, c) => s.ReplyAsync(534, "CCC not allowed: the control channel stays protected.")),
        ["FEAT"] = Any((s, a, c) => s.FeatAsync()),
        ["OPTS"] = Any((s, a, c) => s.OptsAsync(a), ArgumentRule.Required),
        ["SYST"] = Any((s, a, c) => s.ReplyAsync(215, "UNIX Type: L8")),
        ["HELP"] = Any((s, a, c) => s.HelpAsync()),
        ["NOOP"] = new(Access.Any, ArgumentRule.Optional, true, (s, a, c) => s.ReplyAsync(200, "NOOP ok.")),
        ["STAT"] = new(Access.Any, ArgumentRule.Optional, true, (s, a, c) => s.StatAsync(a, c)),
        ["ABOR"] = new(Access.Any, ArgumentRule.Optional, true, (s, a, c) => s.AborAsync()),
        ["SITE"] = User((s, a, c) => s.ReplyAsync(502, "SITE commands are not implemented.")),
        ["ALLO"] = User((s, a, c) => s.ReplyAsync(202, "No storage allocation necessary.")),
        ["MODE"] = User((s, a, c) => s.ModeAsync(a), ArgumentRule.Required),
        ["STRU"] = User((s, a, c) => s.StruAsync(a), ArgumentRule.Required),
        ["TYPE"] = User((s, a, c) => s.TypeAsync(a), ArgumentRule.Required),
        ["PWD"] = User((s, a, c) => s.PwdAsync()),
        ["XPWD"] = User((s, a, c) => s.PwdAsync()),
        ["CWD"] = User((s, a, c) => s.CwdAsync(a.Length == 0 ? "/" : a, c)),
        ["XCWD"] = User((s, a, c) => s.CwdAsync(a.Length == 0 ? "/" : a, c)),
        ["CDUP"] = User((s, a, c) => s.CwdAsync("..", c)),
        ["XCUP"] = User((s, a, c) => s.CwdAsync("..", c)),
        ["MKD"] = Write((s, a, c) => s.MkdAsync(a, c)),
        ["XMKD"] = Write((s, a, c) => s.MkdAsync(a, c)),
        ["RMD"] = Write((s, a, c) => s.RmdAsync(a, c)),
        ["XRMD"] = Write((s, a, c) => s.RmdAsync(a, c)),
        ["DELE"] = Write((s, a, c) => s.DeleAsync(a, c)),
        ["RNFR"] = Write((s, a, c) => s.RnfrAsync(a, c)),
        ["RNTO"] = Write((s, a, c) => s.RntoAsync(a, c)),
        ["SIZE"] = User((s, a, c) => s.SizeAsync(a, c), ArgumentRule.Required),
        ["MDTM"] = User((s, a, c) => s.MdtmAsync(a, c), ArgumentRule.Required),
        ["MFMT"] = Write((s, a, c) => s.MfmtAsync(a, c)),
        ["HASH"] = User((s, a, c) => s.HashAsync(a, null, c), ArgumentRule.Required),
        ["XSHA256"] = User((s, a, c) => s.HashAsync(a, "SHA-256", c), ArgumentRule.Required),
        ["XSHA512"] = User((s, a, c) => s.HashAsync(a, "SHA-512", c), ArgumentRule.Required),
        ["XSHA1"] = User((s, a, c) => s.HashAsync(a, "SHA-1", c), ArgumentRule.Required),
        ["XSHA"] = User((s, a, c) => s.HashAsync(a, "SHA-1", c), ArgumentRule.Required),
        ["XMD5"] = User((s, a, c) => s.HashAsync(a, "MD5", c), ArgumentRule.Required),
        ["XCRC"] = User((s, a, c) => s.HashAsync(a, "CRC32", c), ArgumentRule.Required),
        ["PASV"] = User((s, a, c) => s.PasvAsync(extended: false, a)),
        ["EPSV"] = User((s, a, c) => s.PasvAsync(extended: true, a)),
        ["PORT"] = User((s, a, c) => s.PortAsync(a), ArgumentRule.Required),
        ["EPRT"] = User((s, a, c) => s.EprtAsync(a), ArgumentRule.Required),
        ["REST"] = User((s, a, c) => s.RestAsync(a), ArgumentRule.Required),
        ["LIST"] = User((s, a, c) => s.ListAsync(a, ListKind.List, c)),
        ["NLST"] = User((s, a, c) => s.ListAsync(a, ListKind.Names, c)),
        ["MLSD"] = User((s, a, c) => s.ListAsync(a, ListKind.Mlsd, c)),
        ["MLST"] = User((s, a, c) => s.MlstAsync(a, c)),
        ["RETR"] = User((s, a, c) => s.RetrAsync(a, c), ArgumentRule.Required),
        ["STOR"] = Write((s, a, c) => s.StoreAsync(a, StoreKind.Stor, c)),
        ["APPE"] = Write((s, a, c) => s.StoreAsync(a, StoreKind.Appe, c)),
        ["STOU"] = new(Access.Write, ArgumentRule.Optional, false, (s, a, c) => s.StoreAsync(a, StoreKind.Stou, c)),
    };

    private Task UserAsync(string name)
    {
        if (_options.RequireTls && !_connection.IsTls)
            return ReplyAsync(530, "TLS required: use AUTH TLS first.");
        _user = null;
        _cwd = "/";
        _pendingUser = name;
        return _options.Authenticator.IsAnonymous(name)
            ? ReplyAsync(331, "Anonymous login ok, send your e-mail address as password.")
            : ReplyAsync(331, "Password required.");
    }

    private async Task PassAsync(string password, CancellationToken cancellationToken)
    {
        if (_pendingUser is null)
        {
            await ReplyAsync(_user is null ? 503 : 230, _user is null ? "Login with USER first." : "Already logged in.").ConfigureAwait(false);
            return;
        }
        var name = _pendingUser;
        _pendingUser = null;
        var user = await _options.Authenticator.AuthenticateAsync(name, password, _remoteEndPoint, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            _loginFailures++;
            var delay = _state.AuthThrottle.Failed(_remoteAddress);
            _logger.LogInformation("FTP login failed for {User} from {Remote} ({Failures}), answered after {Delay} ms", name, _remoteAddress, _loginFailures, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            if (_loginFailures >= _options.MaxLoginFailures)
            {
                await ReplyAsync(421, "Too many failed logins, closing.").ConfigureAwait(false);
                _quit = true;
                return;
            }
            await ReplyAsync(530, "Login incorrect.").ConfigureAwait(false);
            return;
        }
        _user = user;
        _cwd = "/";
        _state.AuthThrottle.Succeeded(_remoteAddress);
        await ReplyAsync(230, "Login successful.").ConfigureAwait(false);
    }

    private Task QuitAsync()
    {
        _quit = true;
        return ReplyAsync(221, "Goodbye.");
    }

    private async Task ReinAsync()
    {
        await AbortTransferAsync().ConfigureAwait(false);
        _user = null;
        _pendingUser = null;
        _cwd = "/";
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
        if (_connection.IsTls)
        {
            await ReplyAsync(503, "Already using TLS.").ConfigureAwait(false);
            return;
        }
        await ReplyAsync(234, "Proceed with negotiation.").ConfigureAwait(false);
        await _connection.UpgradeToTlsAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.Certificate },
            PlaintextPolicy.Reject, cancellationToken).ConfigureAwait(false);
        // RFC 4217 §4: a successful AUTH resets the login state.
        _user = null;
        _pendingUser = null;
    }

    private Task PbszAsync(string size) =>
        !_connection.IsTls ? ReplyAsync(503, "PBSZ needs AUTH TLS first.") : ReplyAsync(200, "PBSZ=0");

    private Task ProtAsync(string level)
    {
        if (!_connection.IsTls) return ReplyAsync(503, "PROT needs AUTH TLS first.");
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
        var verbs = Commands.Keys.Order(StringComparer.Ordinal).ToList();
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
