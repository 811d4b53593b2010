using Microsoft.Win32.SafeHandles;

namespace Protocols.Cli.Common;

/// <summary>Standard output as a byte stream for <c>-o -</c>.</summary>
internal static class StandardOutput
{
    /// <summary>
    /// On Unix a <see cref="FileStream"/> over descriptor 1 (unbuffered, left open), so a download to stdout is written
    /// like one to a file (the FTP client's receiving thread writes straight to it); elsewhere the console stream.
    /// </summary>
    public static Stream Open()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        try
        {
            return new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Console.OpenStandardOutput();
        }
    }
}
