using System.Collections.Frozen;
using Microsoft.AspNetCore.StaticFiles;

namespace Protocols.Servers.Http;

/// <summary>Content types by file extension (ASP.NET Core's table), with UTF-8 for text, and which ones compress well.</summary>
internal static class ContentTypes
{
    public const string Default = "application/octet-stream";

    private static readonly FrozenDictionary<string, string> ByExtension = BuildTable();

    private static readonly FrozenSet<string> CompressibleApplicationTypes = new[]
    {
        "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
        "application/manifest+json", "application/rss+xml", "application/atom+xml", "application/wasm",
        "application/x-javascript", "application/ld+json", "application/x-sh", "image/svg+xml", "image/x-icon",
        "application/rtf", "application/x-yaml", "application/yaml", "application/toml",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static string ForPath(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Length > 0 && ByExtension.TryGetValue(extension, out var type) ? type : Default;
    }

    public static bool IsCompressible(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var bare = semicolon < 0 ? contentType : contentType[..semicolon];
        return bare.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || CompressibleApplicationTypes.Contains(bare);
    }

    private static FrozenDictionary<string, string> BuildTable()
    {
        var table = new Dictionary<string, string>(new FileExtensionContentTypeProvider().Mappings, StringComparer.OrdinalIgnoreCase)
        {
            [".md"] = "text/markdown",
            [".yaml"] = "application/yaml",
            [".yml"] = "application/yaml",
            [".toml"] = "application/toml",
            [".log"] = "text/plain",
            [".cs"] = "text/plain",
            [".py"] = "text/x-python",
            [".sh"] = "application/x-sh",
            [".eml"] = "message/rfc822",
            [".mjs"] = "text/javascript",
            [".js"] = "text/javascript",
            [".wasm"] = "application/wasm",
        };
        foreach (var key in table.Keys.ToList())
        {
            var type = table[key];
            if (type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || type is "application/json")
                table[key] = type + "; charset=utf-8";
        }
        return table.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
