using System.Buffers;
using System.Globalization;
using System.Text;
using Protocols.Servers.Ftp.FileSystem;

namespace Protocols.Servers.Ftp;

/// <summary>Which MLST facts to send (OPTS MLST).</summary>
[Flags]
internal enum MlstFacts
{
    None = 0,
    Type = 1,
    Size = 2,
    Modify = 4,
    Perm = 8,
    All = Type | Size | Modify | Perm,
}

/// <summary>Formats listing lines into bytes: LIST in the Unix <c>ls -l</c> form clients parse, NLST names, MLSD facts.</summary>
internal static class FtpListingFormatter
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Names with CR or LF would break the line framing (and could forge entries): such entries are left out.</summary>
    public static bool IsListable(string name) => name.AsSpan().IndexOfAny('\r', '\n') < 0;

    public static void WriteList(IBufferWriter<byte> output, FtpFileInfo item, bool canWrite, DateTimeOffset now)
    {
        var mode = item.IsDirectory ? (canWrite ? "drwxr-xr-x" : "dr-xr-xr-x") : (canWrite && !item.IsReadOnly ? "-rw-r--r--" : "-r--r--r--");
        var t = item.Modified.UtcDateTime;
        var age = now.UtcDateTime - t;
        // ls: the time for the last six months, the year otherwise (and for the future).
        var when = age < TimeSpan.FromDays(180) && age > TimeSpan.FromDays(-1)
            ? string.Create(CultureInfo.InvariantCulture, $"{t:HH:mm}")
            : string.Create(CultureInfo.InvariantCulture, $" {t.Year}");
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{mode}    1 ftp      ftp      {item.Length,12} {Months[t.Month - 1]} {t.Day,2} {when} {item.Name}\r\n");
        Encoding.UTF8.GetBytes(line, output);
    }

    public static void WriteName(IBufferWriter<byte> output, string name)
    {
        Encoding.UTF8.GetBytes(name, output);
        output.Write("\r\n"u8);
    }

    public static string Facts(FtpFileInfo item, bool canWrite, MlstFacts facts, string? typeOverride = null)
    {
        var sb = new StringBuilder(96);
        if ((facts & MlstFacts.Type) != 0) sb.Append("type=").Append(typeOverride ?? (item.IsDirectory ? "dir" : "file")).Append(';');
        if ((facts & MlstFacts.Size) != 0 && !item.IsDirectory) sb.Append("size=").Append(item.Length.ToString(CultureInfo.InvariantCulture)).Append(';');
        if ((facts & MlstFacts.Modify) != 0)
            sb.Append("modify=").Append(item.Modified.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)).Append(';');
        if ((facts & MlstFacts.Perm) != 0)
        {
            sb.Append("perm=");
            if (item.IsDirectory) sb.Append(canWrite ? "elcmpdf" : "el");
            else sb.Append(canWrite && !item.IsReadOnly ? "radfw" : "r");
            sb.Append(';');
        }
        return sb.ToString();
    }

    public static void WriteMlsd(IBufferWriter<byte> output, FtpFileInfo item, bool canWrite, MlstFacts facts, string? typeOverride = null)
    {
        Encoding.UTF8.GetBytes(Facts(item, canWrite, facts, typeOverride), output);
        output.Write(" "u8);
        WriteName(output, item.Name);
    }
}
