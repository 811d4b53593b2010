using System.Net.Sockets;
using System.Security.Authentication;
using Protocols.Ftp;
using Protocols.Smtp;

namespace Protocols.Cli.Common;

/// <summary>
/// Runs one verb's work and turns its end into an exit code and at most one line on stderr, the same way for every
/// verb: Ctrl+C (the token) is <c>proto: cancelled</c> and 130; a <see cref="UsageException"/> is 2; a network,
/// TLS, protocol, server-refusal or file failure is 1 with <see cref="Failure.Describe"/>; anything else is a bug
/// of ours, 70, still one line.
/// </summary>
internal static class VerbRunner
{
    public static async Task<int> RunAsync(TextWriter stderr, Func<Target?> target, Func<Task<int>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Cancelled(stderr);
        }
        catch (UsageException e)
        {
            Error(stderr, e.Message);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (IsFailure(e))
        {
            Error(stderr, Failure.Describe(e, target()));
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            Error(stderr, $"unexpected {e.GetType().Name}: {Failure.OneLine(e.Message)}");
            return ExitCodes.Internal;
        }
    }

    public static int Cancelled(TextWriter stderr)
    {
        Error(stderr, "cancelled");
        return ExitCodes.Cancelled;
    }

    /// <summary>Prints <c>proto: message</c> on stderr, secrets redacted.</summary>
    public static void Error(TextWriter stderr, string message)
    {
        TransferProgress.ClearLine();
        stderr.WriteLine("proto: " + Secrets.Redact(Failure.OneLine(message)));
        stderr.Flush();
    }

    /// <summary>Prints a usage problem and returns 2.</summary>
    public static int Usage(TextWriter stderr, string message)
    {
        Error(stderr, message);
        return ExitCodes.Usage;
    }

    private static bool IsFailure(Exception e) => e is IOException or SocketException or TimeoutException or AuthenticationException
        or FtpCommandException or SmtpRefusedException or SmtpNotSupportedException or UnauthorizedAccessException or InvalidDataException or FormatException
        or OperationCanceledException;
}
