namespace Protocols.Mime;

/// <summary>Content types for common file extensions.</summary>
public static class MimeTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".text"] = "text/plain", [".log"] = "text/plain", [".csv"] = "text/csv",
        [".htm"] = "text/html", [".html"] = "text/html", [".css"] = "text/css", [".md"] = "text/markdown",
        [".xml"] = "application/xml", [".json"] = "application/json", [".js"] = "text/javascript",
        [".ics"] = "text/calendar", [".vcf"] = "text/vcard", [".eml"] = "message/rfc822",
        [".pdf"] = "application/pdf", [".zip"] = "application/zip", [".gz"] = "application/gzip",
        [".tar"] = "application/x-tar", [".7z"] = "application/x-7z-compressed", [".rtf"] = "application/rtf",
        [".doc"] = "application/msword", [".xls"] = "application/vnd.ms-excel", [".ppt"] = "application/vnd.ms-powerpoint",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        [".odt"] = "application/vnd.oasis.opendocument.text", [".ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif",
        [".webp"] = "image/webp", [".svg"] = "image/svg+xml", [".bmp"] = "image/bmp", [".ico"] = "image/vnd.microsoft.icon",
        [".tif"] = "image/tiff", [".tiff"] = "image/tiff", [".heic"] = "image/heic",
        [".mp3"] = "audio/mpeg", [".wav"] = "audio/wav", [".ogg"] = "audio/ogg", [".m4a"] = "audio/mp4",
        [".mp4"] = "video/mp4", [".webm"] = "video/webm", [".mov"] = "video/quicktime",
        [".woff"] = "font/woff", [".woff2"] = "font/woff2", [".ttf"] = "font/ttf",
    };

    /// <summary>The content type for a file name's extension; application/octet-stream when unknown.</summary>
    public static ContentType FromFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var type = ByExtension.GetValueOrDefault(Path.GetExtension(fileName), "application/octet-stream");
        var slash = type.IndexOf('/', StringComparison.Ordinal);
        return new ContentType(type[..slash], type[(slash + 1)..]);
    }
}
