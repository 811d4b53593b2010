using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.Http;

/// <summary>A directory's entries as HTML (for browsers) or JSON (with <c>Accept: application/json</c> or <c>?format=json</c>).</summary>
internal static class DirectoryListing
{
    internal sealed record Entry(string Name, bool IsDirectory, long Size, DateTime ModifiedUtc);

    public static bool WantsJson(HttpRequest request)
    {
        if (request.Query.TryGetValue("format", out var format))
            return string.Equals(format.ToString(), "json", StringComparison.OrdinalIgnoreCase);
        var accept = request.Headers.Accept.ToString();
        if (!accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)) return false;
        var html = accept.IndexOf("text/html", StringComparison.OrdinalIgnoreCase);
        return html < 0 || accept.IndexOf("application/json", StringComparison.OrdinalIgnoreCase) < html;
    }

    /// <summary>
    /// Entries of the open <paramref name="directory"/> (read through it, so a swapped name cannot redirect the
    /// listing) whose targets stay under the root, directories first, then by name. A link is described by what it
    /// opens to, and left out when that is outside the root.
    /// </summary>
    public static List<Entry> Read(Protocols.Servers.FileSystem.OpenedEntry directory, RootedPath root)
    {
        var entries = new List<Entry>();
        foreach (var info in new DirectoryInfo(directory.Path).EnumerateFileSystemInfos())
        {
            if (info.LinkTarget is not null)
            {
                using var target = root.OpenIn(directory, info.Name);
                if (target is null) continue;
                entries.Add(new Entry(info.Name, target.IsDirectory, target.Length, target.LastWriteTimeUtc));
                continue;
            }
            var isDirectory = info is DirectoryInfo;
            entries.Add(new Entry(info.Name, isDirectory, isDirectory ? 0 : ((FileInfo)info).Length, info.LastWriteTimeUtc));
        }
        entries.Sort((a, b) => a.IsDirectory != b.IsDirectory ? (a.IsDirectory ? -1 : 1) : string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    public static byte[] Json(string urlPath, List<Entry> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", urlPath);
            json.WriteStartArray("entries");
            foreach (var entry in entries)
            {
                json.WriteStartObject();
                json.WriteString("name", entry.Name);
                json.WriteString("type", entry.IsDirectory ? "directory" : "file");
                if (!entry.IsDirectory) json.WriteNumber("size", entry.Size);
                json.WriteString("modified", entry.ModifiedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                json.WriteString("href", urlPath + Uri.EscapeDataString(entry.Name) + (entry.IsDirectory ? "/" : ""));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The listing page; at the root it links the mapped <c>/_proto/</c> pages (the captured mail in the dev stack).</summary>
    public static byte[] Html(string urlPath, List<Entry> entries, bool uploadForm, IReadOnlyList<string>? reserved = null)
    {
        var title = WebUtility.HtmlEncode("Index of " + urlPath);
        var html = new StringBuilder(1024 + entries.Count * 160);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(title).Append("</title><style>")
            .Append("body{font:14px/1.5 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}")
            .Append("table{border-collapse:collapse;width:100%}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee}")
            .Append("td.n{text-align:right;font-variant-numeric:tabular-nums}a{text-decoration:none;color:#0645ad}a:hover{text-decoration:underline}")
            .Append("form{margin-top:1.5em;padding:1em;border:1px dashed #bbb}</style></head><body>\n")
            .Append("<h1>").Append(title).Append("</h1>\n");
        if (urlPath == "/" && reserved is { Count: > 0 })
        {
            html.Append("<p class=\"proto\">");
            if (reserved.Contains("mail")) html.Append("<a id=\"mail\" href=\"/_proto/mail/\">Captured mail</a> · ");
            html.Append("<a href=\"/_proto/\">/_proto/</a></p>\n");
        }
        html.Append("<table><thead><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr></thead><tbody>\n");
        if (urlPath != "/") html.Append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        foreach (var entry in entries)
        {
            var name = WebUtility.HtmlEncode(entry.Name + (entry.IsDirectory ? "/" : ""));
            var href = Uri.EscapeDataString(entry.Name) + (entry.IsDirectory ? "/" : "");
            html.Append("<tr><td><a href=\"").Append(href).Append("\">").Append(name).Append("</a></td><td class=\"n\">")
                .Append(entry.IsDirectory ? "" : entry.Size.ToString("N0", CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(entry.ModifiedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }
        html.Append("</tbody></table>\n");
        if (uploadForm)
        {
            html.Append("<form method=\"post\" enctype=\"multipart/form-data\"><input type=\"file\" name=\"file\" multiple> ")
                .Append("<button type=\"submit\">Upload</button></form>\n");
        }
        html.Append("</body></html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }
}
