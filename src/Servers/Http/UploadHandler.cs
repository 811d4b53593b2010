using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Protocols.Servers.Http;

/// <summary>
/// PUT of a file and POST of a multipart form to a directory. Bodies stream to a temporary file in the target
/// directory, which is renamed into place only when complete: a failed or oversized upload leaves nothing behind.
/// </summary>
internal sealed class UploadHandler(HttpServerOptions options, RootedPath root, ILogger logger)
{
    private const int CopyBufferBytes = 64 * 1024;

    public async Task PutAsync(HttpContext context, string relative)
    {
        if (!CheckDeclaredLength(context)) { await TooLargeAsync(context).ConfigureAwait(false); return; }
        var target = root.OpenForWrite(relative);
        if (target is not { } place || !IsAcceptableName(place.Name))
        {
            target?.Directory.Dispose();
            await Responses.StatusAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }
        using var directory = place.Directory;
        var finalPath = Path.Join(directory.RealPath, place.Name);
        var throughDirectory = Path.Join(directory.Path, place.Name);
        if (Directory.Exists(throughDirectory))
        {
            await Responses.TextAsync(context, StatusCodes.Status409Conflict, "409 Conflict: that path is a directory\n").ConfigureAwait(false);
            return;
        }
        var existed = File.Exists(throughDirectory);
        var written = await StoreAsync(context, context.Request.Body, directory, place.Name, options.MaxUploadBytes).ConfigureAwait(false);
        if (written < 0) { await TooLargeAsync(context).ConfigureAwait(false); return; }
        logger.LogInformation("Stored {Path} ({Bytes} bytes) by PUT", root.ToUrlPath(finalPath), written);
        context.Response.Headers.Location = root.ToUrlPath(finalPath);
        await Responses.StatusAsync(context, existed ? StatusCodes.Status200OK : StatusCodes.Status201Created).ConfigureAwait(false);
    }

    public async Task PostFormAsync(HttpContext context, Protocols.Servers.FileSystem.OpenedEntry directory)
    {
        if (!CheckDeclaredLength(context)) { await TooLargeAsync(context).ConfigureAwait(false); return; }
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Length is 0 or > 200)
        {
            await Responses.TextAsync(context, StatusCodes.Status415UnsupportedMediaType, "415: POST a multipart/form-data form\n").ConfigureAwait(false);
            return;
        }
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).ToString();
        var reader = new MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        var saved = new List<string>();
        var remaining = options.MaxUploadBytes;
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
            if (fileName.Length == 0) continue; // a plain form field
            // Browsers may send a client path; keep the last segment only.
            fileName = fileName[(fileName.LastIndexOfAny(['/', '\\']) + 1)..];
            if (!IsAcceptableName(fileName))
            {
                await Responses.TextAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: unacceptable file name\n").ConfigureAwait(false);
                return;
            }
            var written = await StoreAsync(context, section.Body, directory, fileName, remaining).ConfigureAwait(false);
            if (written < 0) { await TooLargeAsync(context).ConfigureAwait(false); return; }
            remaining -= written;
            saved.Add(fileName);
            logger.LogInformation("Stored {Path} ({Bytes} bytes) by POST", root.ToUrlPath(Path.Join(directory.RealPath, fileName)), written);
        }
        if (saved.Count == 0)
        {
            await Responses.TextAsync(context, StatusCodes.Status400BadRequest, "400 Bad Request: the form has no file\n").ConfigureAwait(false);
            return;
        }
        var urlPath = root.ToUrlPath(directory.RealPath);
        if (!urlPath.EndsWith('/')) urlPath += "/";
        if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            await Responses.RedirectAsync(context, StatusCodes.Status303SeeOther, urlPath).ConfigureAwait(false);
            return;
        }
        var json = SavedJson(urlPath, saved);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>False when Content-Length is over the limit; otherwise raises Kestrel's body limit to ours (plus form overhead).</summary>
    private bool CheckDeclaredLength(HttpContext context)
    {
        if (context.Request.ContentLength > options.MaxUploadBytes) return false;
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is { IsReadOnly: false }) limit.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024;
        return true;
    }

    /// <summary>
    /// Streams <paramref name="body"/> into the open directory as <paramref name="name"/>; -1 when over
    /// <paramref name="limit"/> (nothing kept). The temporary file is created (O_EXCL: never through a link) and
    /// renamed inside the directory that was opened and checked, whatever its name points to meanwhile.
    /// </summary>
    private static async Task<long> StoreAsync(HttpContext context, Stream body, Protocols.Servers.FileSystem.OpenedEntry directory, string name, long limit)
    {
        var temporary = Path.Join(directory.Path, $".{name}.{Guid.NewGuid():N}.upload");
        var committed = false;
        try
        {
            long total = 0;
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var buffer = new byte[CopyBufferBytes];
                int read;
                while ((read = await ReadBodyAsync(body, buffer, context).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > limit) return -1;
                    await file.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                }
            }
            File.Move(temporary, Path.Join(directory.Path, name), overwrite: true);
            committed = true;
            return total;
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return -1;
        }
        finally
        {
            if (!committed) File.Delete(temporary);
        }
    }

    /// <summary>
    /// A read of the request body. Kestrel reports a malformed chunked body (a chunk size of 20 hex digits, a
    /// negative one, LF-only chunk lines) as a plain <see cref="IOException"/>; it is the client's fault: 400.
    /// </summary>
    private static async ValueTask<int> ReadBodyAsync(Stream body, byte[] buffer, HttpContext context)
    {
        try
        {
            return await body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            throw new BadHttpRequestException("malformed request body", StatusCodes.Status400BadRequest, ex);
        }
    }

    private static Task TooLargeAsync(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return Responses.StatusAsync(context, StatusCodes.Status413PayloadTooLarge);
    }

    internal static bool IsAcceptableName(string name) =>
        name.Length is > 0 and <= 255 && name is not "." and not ".."
        && name.AsSpan().IndexOfAny("/\\\0") < 0 && !name.Any(char.IsControl);

    /// <summary><c>{"directory":"/dir/","saved":["a.txt"]}</c>, written without reflection (the tool is Native AOT).</summary>
    private static byte[] SavedJson(string directory, List<string> saved)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("directory", directory);
            writer.WriteStartArray("saved");
            foreach (var name in saved) writer.WriteStringValue(name);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
