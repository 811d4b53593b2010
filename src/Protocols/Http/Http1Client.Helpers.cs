namespace Protocols.Http;

public sealed partial class Http1Client
{
    /// <summary>Sends a GET; the response's body is still to be read.</summary>
    public Task<HttpResponse> GetAsync(string url, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequest("GET", url), cancellationToken);

    /// <summary>Sends a GET; the response's body is still to be read.</summary>
    public Task<HttpResponse> GetAsync(Uri url, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequest("GET", url), cancellationToken);

    /// <summary>GETs a body into memory (at most <see cref="HttpClientOptions.MaxBufferedBodyLength"/>); a status of 400 or more throws <see cref="HttpStatusException"/>.</summary>
    public async Task<byte[]> GetBytesAsync(string url, CancellationToken cancellationToken = default)
    {
        var response = await GetAsync(url, cancellationToken).ConfigureAwait(false);
        await using (response.ConfigureAwait(false))
        {
            response.EnsureSuccessStatusCode();
            return await response.ReadAsBytesAsync(_options.MaxBufferedBodyLength, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>GETs a body as UTF-8 text; like <see cref="GetBytesAsync"/>.</summary>
    public async Task<string> GetStringAsync(string url, CancellationToken cancellationToken = default) =>
        System.Text.Encoding.UTF8.GetString(await GetBytesAsync(url, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// GETs a body into <paramref name="destination"/> as it arrives; <paramref name="progress"/> hears the bytes received.
    /// A status of 400 or more throws <see cref="HttpStatusException"/>. Returns the bytes written.
    /// </summary>
    public async Task<long> DownloadAsync(string url, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var response = await GetAsync(url, cancellationToken).ConfigureAwait(false);
        await using (response.ConfigureAwait(false))
        {
            response.EnsureSuccessStatusCode();
            return await response.CopyToAsync(destination, progress, cancellationToken).ConfigureAwait(false);
        }
    }
}
