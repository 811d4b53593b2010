namespace Protocols.Http;

/// <summary>Scheme, host and port: the key of the connection pool and what "same origin" means for redirects (RFC 6454).</summary>
public readonly record struct HttpOrigin(string Scheme, string Host, int Port)
{
    /// <summary>True for https.</summary>
    public bool IsTls => Scheme == "https";

    /// <summary>The origin of an absolute http or https URI.</summary>
    public static HttpOrigin From(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"'{uri}' is not an absolute http or https URL", nameof(uri));
        // Uri already lower-cases DNS names; only an unusual host pays for another string.
        var host = uri.IdnHost;
        if (host.AsSpan().ContainsAnyInRange('A', 'Z')) host = host.ToLowerInvariant();
        return new HttpOrigin(uri.Scheme, host, uri.Port);
    }

    public override string ToString() => $"{Scheme}://{Host}:{Port}";
}
