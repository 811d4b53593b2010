namespace Protocols.Cli.Common;

/// <summary>
/// The exit codes of every verb (docs/cli.md has the table). 0 success; 1 the operation failed; 2 usage (unknown
/// option, bad value, missing argument); 130 cancelled (SIGINT, as a shell reports it). Two specific ones:
/// 22 for <c>proto http ... --fail</c> on a status of 400 or more (curl's), 70 for a bug of ours (sysexits EX_SOFTWARE).
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int HttpError = 22;
    public const int Internal = 70;
    public const int Cancelled = 130;
}

/// <summary>A bad value found after parsing (a file that is not there, options that exclude each other): exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
