namespace Protocols.Files;

/// <summary>
/// Whether a download's target is an existing fifo, socket or device (<c>-o /dev/null</c>, <c>-o /dev/stdout</c>, a
/// named pipe): such a target is written in place, never replaced by renaming a temporary file over it (which, run as
/// root, would turn <c>/dev/null</c> into a plain file).
/// </summary>
internal static class SpecialTarget
{
    /// <summary>True when <paramref name="path"/> exists (links followed) and is neither a regular file nor a directory.</summary>
    public static bool Is(string path)
    {
        if (!UnixStatus.IsAvailable) return false;
        return UnixStatus.TryStat(path, out var status) && status.Kind == DirectoryEntryKind.Other;
    }
}
