using System.Text;
using System.Text.Json;

namespace Protocols.Servers.Testing;

/// <summary>What a stub answers: status, headers, body, an optional delay, or a <see cref="HttpFault"/>.</summary>
public sealed class HttpStubResponse
{
    internal int StatusCode { get; private set; } = 200;
    internal List<KeyValuePair<string, string>> Headers { get; } = [];
    internal byte[] BodyBytes { get; private set; } = [];
    internal string? ContentTypeValue { get; private set; }
    internal TimeSpan DelayValue { get; private set; }
    internal HttpFault? FaultValue { get; private set; }
    internal byte[]? RawBytes { get; private set; }

    public HttpStubResponse Status(int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
        StatusCode = statusCode;
        return this;
    }

    public HttpStubResponse Header(string name, string value)
    {
        if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase)) ContentTypeValue = value;
        else Headers.Add(new(name, value));
        return this;
    }

    public HttpStubResponse Body(string text, string contentType = "text/plain; charset=utf-8")
    {
        BodyBytes = Encoding.UTF8.GetBytes(text);
        ContentTypeValue ??= contentType;
        return this;
    }

    public HttpStubResponse Body(byte[] bytes, string contentType = "application/octet-stream")
    {
        BodyBytes = bytes;
        ContentTypeValue ??= contentType;
        return this;
    }

    /// <summary>The value as JSON by reflection (System.Text.Json's defaults); a test-side helper, not for trimmed or AOT code.</summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Serializes by reflection.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Serializes by reflection.")]
    public HttpStubResponse Json<T>(T value)
    {
        BodyBytes = JsonSerializer.SerializeToUtf8Bytes(value);
        ContentTypeValue = "application/json; charset=utf-8";
        return this;
    }

    /// <summary>Waits this long before answering (the delay ends early when the client leaves).</summary>
    public HttpStubResponse Delay(TimeSpan delay)
    {
        DelayValue = delay >= TimeSpan.Zero ? delay : throw new ArgumentOutOfRangeException(nameof(delay));
        return this;
    }

    public HttpStubResponse Fault(HttpFault fault)
    {
        FaultValue = fault;
        return this;
    }

    /// <summary>
    /// Writes these bytes to the socket as they are (a malformed status line, a bad chunk size...) and closes the
    /// connection. Plain HTTP only.
    /// </summary>
    public HttpStubResponse Raw(byte[] bytes)
    {
        RawBytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
        return this;
    }

    public HttpStubResponse Raw(string text) => Raw(Encoding.Latin1.GetBytes(text));

    internal string? ContentType => ContentTypeValue;
}
