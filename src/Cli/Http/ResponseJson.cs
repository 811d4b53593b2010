using System.Text;
using System.Text.Json;
using Protocols.Http;

namespace Protocols.Cli.Http;

/// <summary>The --json summary of a response: URL, status, headers (repeats joined with ", "), redirects, bytes, timing.</summary>
internal static class ResponseJson
{
    public static string Format(HttpResponse response, long bodyBytes, TimeSpan total)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("url", response.Uri.ToString());
            json.WriteString("method", response.Request.Method);
            json.WriteNumber("status", response.StatusCode);
            json.WriteString("reason", response.ReasonPhrase);
            json.WriteString("version", $"HTTP/{response.Version}");
            json.WriteStartObject("headers");
            foreach (var name in response.Headers.Select(h => h.Key).Distinct(StringComparer.OrdinalIgnoreCase))
                json.WriteString(name, string.Join(", ", response.Headers.GetValues(name)));
            json.WriteEndObject();
            json.WriteNumber("redirects", response.RedirectCount);
            json.WriteNumber("bodyBytes", bodyBytes);
            json.WriteStartObject("timing");
            json.WriteNumber("headMs", Math.Round(response.HeadElapsed.TotalMilliseconds, 3));
            json.WriteNumber("totalMs", Math.Round(total.TotalMilliseconds, 3));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
