using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Protocols.Servers.Http;

/// <summary>Answers GET and HEAD for one file: validators, 304/412, one Range (206/416), compression, zero-copy send.</summary>
internal sealed class FileResponder(HttpServerOptions options)
{
    private static readonly StringValues AcceptRangesBytes = "bytes";
    private static readonly StringValues VaryAcceptEncoding = "Accept-Encoding";
    private const long CompressionMaximumBytes = 256L * 1024 * 1024;

    public async Task RespondAsync(HttpContext context, FileEntry file, Protocols.Servers.FileSystem.OpenedEntry source)
    {
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;
        var requestHeaders = request.Headers;
        var isHead = HttpMethods.IsHead(request.Method);

        headers.LastModified = file.LastModified;
        headers.AcceptRanges = AcceptRangesBytes;
        var compressible = options.EnableCompression && file.Compressible && file.Length >= options.CompressionMinimumBytes
            && file.Length <= CompressionMaximumBytes;
        if (compressible) headers.Vary = VaryAcceptEncoding;

        var hasConditions = requestHeaders.IfNoneMatch.Count + requestHeaders.IfModifiedSince.Count
            + requestHeaders.IfMatch.Count + requestHeaders.IfUnmodifiedSince.Count > 0;
        if (hasConditions)
        {
            switch (Preconditions.Evaluate(requestHeaders, file, isGetOrHead: true))
            {
                case Preconditions.Outcome.NotModified:
                    headers.ETag = file.ETag;
                    response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                case Preconditions.Outcome.Failed:
                    headers.ETag = file.ETag;
                    await Responses.StatusAsync(context, StatusCodes.Status412PreconditionFailed).ConfigureAwait(false);
                    return;
            }
        }

        var rangeHeader = requestHeaders.Range;
        if (!StringValues.IsNullOrEmpty(rangeHeader) && Preconditions.IfRangeAllows(requestHeaders, file))
        {
            switch (ByteRange.TryParse(rangeHeader.ToString(), file.Length, out var range))
            {
                case ByteRange.Parse.Satisfiable:
                    headers.ETag = file.ETag;
                    headers.ContentType = file.ContentType;
                    headers.ContentRange = string.Create(CultureInfo.InvariantCulture,
                        $"bytes {range.Start}-{range.Start + range.Length - 1}/{file.Length}");
                    response.StatusCode = StatusCodes.Status206PartialContent;
                    response.ContentLength = range.Length;
                    if (!isHead) await SendAsync(context, file, source, range.Start, range.Length).ConfigureAwait(false);
                    return;
                case ByteRange.Parse.Unsatisfiable:
                    headers.ETag = file.ETag;
                    headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{file.Length}");
                    await Responses.StatusAsync(context, StatusCodes.Status416RangeNotSatisfiable).ConfigureAwait(false);
                    return;
            }
        }

        headers.ContentType = file.ContentType;
        response.StatusCode = StatusCodes.Status200OK;
        var encoding = compressible ? ChooseEncoding(requestHeaders.AcceptEncoding) : null;
        if (encoding is not null)
        {
            // As nginx does: a compressed variant keeps the validator but only as a weak one.
            headers.ETag = file.WeakETag;
            headers.ContentEncoding = encoding;
            if (!isHead) await SendCompressedAsync(context, file, source, encoding).ConfigureAwait(false);
            return;
        }
        headers.ETag = file.ETag;
        response.ContentLength = file.Length;
        if (!isHead) await SendAsync(context, file, source, 0, file.Length).ConfigureAwait(false);
    }

    private static Task SendAsync(HttpContext context, FileEntry file, Protocols.Servers.FileSystem.OpenedEntry source, long offset, long count)
    {
        if (count == 0) return Task.CompletedTask;
        if (file.Content is { } content)
        {
            // In memory and small: no cancellation token (reading RequestAborted costs a lock in Kestrel); a gone client completes the write.
            var write = context.Response.BodyWriter.WriteAsync(content.AsMemory((int)offset, (int)count));
            return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
        }
        return SendFromDiskAsync(context, source.Path, offset, count);
    }

    // Reads straight into the response's pipe buffers (256 KiB at a time) and flushes each: one copy fewer than
    // Kestrel's SendFileAsync fallback, which reads into its own buffer and then writes that to the body stream.
    private const int DiskChunkBytes = 256 * 1024;

    private static async Task SendFromDiskAsync(HttpContext context, string path, long offset, long count)
    {
        var writer = context.Response.BodyWriter;
        var cancellationToken = context.RequestAborted;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var pending = 0;
        while (count > 0)
        {
            var memory = writer.GetMemory(DiskChunkBytes);
            var want = (int)Math.Min(memory.Length, count);
            var read = await RandomAccess.ReadAsync(handle, memory[..want], offset, cancellationToken).ConfigureAwait(false);
            if (read == 0) throw new IOException("the file shrank while being sent");
            writer.Advance(read);
            offset += read;
            count -= read;
            pending += read;
            if (pending >= DiskChunkBytes || count == 0)
            {
                pending = 0;
                var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled) return;
            }
        }
    }

    private static async Task SendCompressedAsync(HttpContext context, FileEntry file, Protocols.Servers.FileSystem.OpenedEntry source, string encoding)
    {
        var body = context.Response.Body;
        Stream compressor = encoding == "br"
            ? new BrotliStream(body, CompressionLevel.Fastest, leaveOpen: true)
            : new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true);
        await using (compressor.ConfigureAwait(false))
        {
            if (file.Content is { } content)
            {
                await compressor.WriteAsync(content, context.RequestAborted).ConfigureAwait(false);
                return;
            }
            var stream = source.OpenRead(1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
                await stream.CopyToAsync(compressor, 64 * 1024, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>"br" or "gzip" when <c>Accept-Encoding</c> accepts it (q &gt; 0), preferring the higher q and then Brotli.</summary>
    internal static string? ChooseEncoding(StringValues acceptEncoding)
    {
        if (StringValues.IsNullOrEmpty(acceptEncoding)) return null;
        double br = -1, gzip = -1, star = -1;
        foreach (var header in acceptEncoding)
        {
            if (header is null) continue;
            foreach (var item in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = item.Split(';', StringSplitOptions.TrimEntries);
                var q = 1.0;
                foreach (var parameter in parts.AsSpan(1))
                {
                    if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                        && !double.TryParse(parameter.AsSpan(2), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out q))
                        q = 0;
                }
                switch (parts[0].ToLowerInvariant())
                {
                    case "br": br = q; break;
                    case "gzip": case "x-gzip": gzip = q; break;
                    case "*": star = q; break;
                }
            }
        }
        if (br < 0) br = star >= 0 ? star : 0;
        if (gzip < 0) gzip = star >= 0 ? star : 0;
        if (br <= 0 && gzip <= 0) return null;
        return br >= gzip ? "br" : "gzip";
    }
}
