using Microsoft.Extensions.Logging;
using Protocols.Net;
using Protocols.Servers.Ftp.FileSystem;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    private const FtpState Anyone = FtpState.Connected | FtpState.LoggedIn;
    private const FtpState User = FtpState.LoggedIn;

    /// <summary>What the FTP verbs need besides the kernel's states and argument rules.</summary>
    [Flags]
    private enum Needs
    {
        None = 0,
        /// <summary>A user with write permission (else 550).</summary>
        Write = 1,
        /// <summary>Answered while a transfer runs (ABOR, STAT, NOOP); any other verb waits for the transfer to end.</summary>
        DuringTransfer = 2,
        /// <summary>Keeps a REST offset for the transfer that follows.</summary>
        KeepsRestart = 4,
        /// <summary>Uses the RNFR name (any other verb forgets it).</summary>
        KeepsRename = 8,
    }

    private delegate Task FtpHandler(FtpSession session, string argument, CancellationToken cancellationToken);

    private static VerbHandler<FtpSession> H(FtpHandler handler, Needs needs = Needs.None) =>
        (session, command, cancellationToken) => session.HandleAsync(command, handler, needs, cancellationToken);

    private static VerbHandler<FtpSession> W(FtpHandler handler) => H(handler, Needs.Write);

    /// <summary>
    /// The verb table: verb -> states (anyone, or logged in: else 530), argument rule (else 501), what else it needs
    /// (write permission, answering during a transfer, keeping REST) and the handler. Sequence rules inside a state
    /// (PASS after USER, RNTO after RNFR, PBSZ/PROT after AUTH) are the handlers' and answered with 503.
    /// </summary>
    private static readonly VerbTable<FtpSession, FtpState> Verbs = new VerbTable<FtpSession, FtpState>()
        .Add("USER", Anyone, H((s, a, c) => s.UserAsync(a)), ArgumentRule.Required)
        .Add("PASS", Anyone, H((s, a, c) => s.PassAsync(a, c)), flags: VerbFlags.Secret)
        .Add("QUIT", Anyone, H((s, a, c) => s.QuitAsync()))
        .Add("REIN", Anyone, H((s, a, c) => s.ReinAsync()))
        .Add("AUTH", Anyone, H((s, a, c) => s.AuthAsync(a, c)), ArgumentRule.Required)
        .Add("PBSZ", Anyone, H((s, a, c) => s.PbszAsync(a)), ArgumentRule.Required)
        .Add("PROT", Anyone, H((s, a, c) => s.ProtAsync(a)), ArgumentRule.Required)
        .Add("CCC", Anyone, H((s, a, c) => s.ReplyAsync(534, "CCC not allowed: the control channel stays protected.")))
        .Add("FEAT", Anyone, H((s, a, c) => s.FeatAsync()))
        .Add("OPTS", Anyone, H((s, a, c) => s.OptsAsync(a)), ArgumentRule.Required)
        .Add("SYST", Anyone, H((s, a, c) => s.ReplyAsync(215, "UNIX Type: L8")))
        .Add("HELP", Anyone, H((s, a, c) => s.HelpAsync()))
        .Add("NOOP", Anyone, H((s, a, c) => s.ReplyAsync(200, "NOOP ok."), Needs.DuringTransfer | Needs.KeepsRestart))
        .Add("STAT", Anyone, H((s, a, c) => s.StatAsync(a, c), Needs.DuringTransfer | Needs.KeepsRestart))
        .Add("ABOR", Anyone, H((s, a, c) => s.AborAsync(), Needs.DuringTransfer | Needs.KeepsRestart))
        .Add("SITE", User, H((s, a, c) => s.ReplyAsync(502, "SITE commands are not implemented.")))
        .Add("ALLO", User, H((s, a, c) => s.ReplyAsync(202, "No storage allocation necessary.")))
        .Add("MODE", User, H((s, a, c) => s.ModeAsync(a)), ArgumentRule.Required)
        .Add("STRU", User, H((s, a, c) => s.StruAsync(a)), ArgumentRule.Required)
        .Add("TYPE", User, H((s, a, c) => s.TypeAsync(a), Needs.KeepsRestart), ArgumentRule.Required)
        .Add("PWD", User, H((s, a, c) => s.PwdAsync()))
        .Add("XPWD", User, H((s, a, c) => s.PwdAsync()))
        .Add("CWD", User, H((s, a, c) => s.CwdAsync(a.Length == 0 ? "/" : a, c)))
        .Add("XCWD", User, H((s, a, c) => s.CwdAsync(a.Length == 0 ? "/" : a, c)))
        .Add("CDUP", User, H((s, a, c) => s.CwdAsync("..", c)))
        .Add("XCUP", User, H((s, a, c) => s.CwdAsync("..", c)))
        .Add("MKD", User, W((s, a, c) => s.MkdAsync(a, c)), ArgumentRule.Required)
        .Add("XMKD", User, W((s, a, c) => s.MkdAsync(a, c)), ArgumentRule.Required)
        .Add("RMD", User, W((s, a, c) => s.RmdAsync(a, c)), ArgumentRule.Required)
        .Add("XRMD", User, W((s, a, c) => s.RmdAsync(a, c)), ArgumentRule.Required)
        .Add("DELE", User, W((s, a, c) => s.DeleAsync(a, c)), ArgumentRule.Required)
        .Add("RNFR", User, W((s, a, c) => s.RnfrAsync(a, c)), ArgumentRule.Required)
        .Add("RNTO", User, H((s, a, c) => s.RntoAsync(a, c), Needs.Write | Needs.KeepsRename), ArgumentRule.Required)
        .Add("SIZE", User, H((s, a, c) => s.SizeAsync(a, c)), ArgumentRule.Required)
        .Add("MDTM", User, H((s, a, c) => s.MdtmAsync(a, c)), ArgumentRule.Required)
        .Add("MFMT", User, W((s, a, c) => s.MfmtAsync(a, c)), ArgumentRule.Required)
        .Add("HASH", User, H((s, a, c) => s.HashAsync(a, null, c)), ArgumentRule.Required)
        .Add("XSHA256", User, H((s, a, c) => s.HashAsync(a, "SHA-256", c)), ArgumentRule.Required)
        .Add("XSHA512", User, H((s, a, c) => s.HashAsync(a, "SHA-512", c)), ArgumentRule.Required)
        .Add("XSHA1", User, H((s, a, c) => s.HashAsync(a, "SHA-1", c)), ArgumentRule.Required)
        .Add("XSHA", User, H((s, a, c) => s.HashAsync(a, "SHA-1", c)), ArgumentRule.Required)
        .Add("XMD5", User, H((s, a, c) => s.HashAsync(a, "MD5", c)), ArgumentRule.Required)
        .Add("XCRC", User, H((s, a, c) => s.HashAsync(a, "CRC32", c)), ArgumentRule.Required)
        .Add("PASV", User, H((s, a, c) => s.PasvAsync(extended: false, a), Needs.KeepsRestart))
        .Add("EPSV", User, H((s, a, c) => s.PasvAsync(extended: true, a), Needs.KeepsRestart))
        .Add("PORT", User, H((s, a, c) => s.PortAsync(a), Needs.KeepsRestart), ArgumentRule.Required)
        .Add("EPRT", User, H((s, a, c) => s.EprtAsync(a), Needs.KeepsRestart), ArgumentRule.Required)
        .Add("REST", User, H((s, a, c) => s.RestAsync(a), Needs.KeepsRestart), ArgumentRule.Required)
        .Add("LIST", User, H((s, a, c) => s.ListAsync(a, ListKind.List, c)))
        .Add("NLST", User, H((s, a, c) => s.ListAsync(a, ListKind.Names, c)))
        .Add("MLSD", User, H((s, a, c) => s.ListAsync(a, ListKind.Mlsd, c)))
        .Add("MLST", User, H((s, a, c) => s.MlstAsync(a, c)))
        .Add("RETR", User, H((s, a, c) => s.RetrAsync(a, c), Needs.KeepsRestart), ArgumentRule.Required)
        .Add("STOR", User, H((s, a, c) => s.StoreAsync(a, StoreKind.Stor, c), Needs.Write | Needs.KeepsRestart), ArgumentRule.Required)
        .Add("APPE", User, H((s, a, c) => s.StoreAsync(a, StoreKind.Appe, c), Needs.Write | Needs.KeepsRestart), ArgumentRule.Required)
        .Add("STOU", User, W((s, a, c) => s.StoreAsync(a, StoreKind.Stou, c)));

    // After the kernel's checks (state, argument rule, budgets): the argument's encoding, the wait for a running
    // transfer, write permission, the RNFR/REST memory, then the handler with file-system errors answered.
    private async ValueTask<bool> HandleAsync(LineCommand command, FtpHandler handler, Needs needs, CancellationToken cancellationToken)
    {
        if (_badEncoding)
        {
            await RejectAsync(FtpReject.ArgumentEncoding).ConfigureAwait(false);
            return false;
        }
        // While a transfer runs, only ABOR, STAT, NOOP answer at once; anything else waits for the transfer to end.
        if ((needs & Needs.DuringTransfer) == 0) await WaitForTransferAsync().ConfigureAwait(false);
        if ((needs & Needs.Write) != 0 && _user is { CanWrite: false })
        {
            await RejectAsync(FtpReject.PermissionDenied).ConfigureAwait(false);
            return false;
        }
        if ((needs & Needs.KeepsRename) == 0) _renameFrom = null;
        if ((needs & Needs.KeepsRestart) == 0) _restart = 0;
        try
        {
            await handler(this, command.Argument, cancellationToken).ConfigureAwait(false);
        }
        catch (FtpFileSystemException e)
        {
            await ReplyAsync(e.Error == FtpFileSystemError.InvalidOffset ? 554 : 550, FileSystemMessage(e.Error)).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException)
        {
            await RejectAsync(FtpReject.PermissionDenied).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException and not ConnectionClosedException and not ProtocolException)
        {
            Logger.LogWarning(e, "FTP {Verb} failed for {Remote}", command.Verb.Name, _remoteAddress);
            await ReplyAsync(451, "Requested action aborted: local error in processing.").ConfigureAwait(false);
        }
        return true;
    }

    private static string FileSystemMessage(FtpFileSystemError error) => error switch
    {
        FtpFileSystemError.NotFound => "No such file or directory.",
        FtpFileSystemError.AlreadyExists => "File exists.",
        FtpFileSystemError.NotEmpty => "Directory not empty.",
        FtpFileSystemError.NotAFile => "Not a plain file.",
        FtpFileSystemError.NotADirectory => "Not a directory.",
        FtpFileSystemError.InvalidOffset => "Invalid restart position.",
        _ => "Permission denied.",
    };
}
