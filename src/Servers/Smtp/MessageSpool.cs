using Microsoft.Win32.SafeHandles;

namespace Protocols.Servers.Smtp;

/// <summary>Spool files: where they go and how they are named, so a store's start-up sweep removes those a crash left.</summary>
internal static class MessageSpool
{
    private static long s_counter;

    /// <summary>A new spool file in <paramref name="directory"/> (made if missing), opened for writing; never over an existing one.</summary>
    public static (string Path, SafeFileHandle Handle) Create(string directory)
    {
        Directory.CreateDirectory(directory);
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $".spool-{Environment.ProcessId:x}-{Interlocked.Increment(ref s_counter):x}-{Random.Shared.Next():x}.tmp");
        var path = Path.Combine(directory, name);
        return (path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete));
    }

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Held open by a reader: the store's start-up sweep (or the temporary directory's owner) removes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
