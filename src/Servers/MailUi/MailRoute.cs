using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.MailUi;

/// <summary>
/// One route of the captured-mail app: a method, a path template relative to the mount point (<c>api/messages/{id}</c>;
/// <c>""</c> is the page), the handler, and what the API document says about it. The dispatcher and the OpenAPI
/// document both read the one table of these (<see cref="CapturedMailApp.Routes"/>), so a route cannot be answered
/// without being documented.
/// </summary>
internal sealed record MailRoute(string Method, string Template, string OperationId, Func<CapturedMailApp, HttpContext, IReadOnlyList<string>, Task> Handle)
{
    private readonly string[] _segments = Template.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The group the document files it under (messages, live, faults, page).</summary>
    public required string Tag { get; init; }

    public required string Summary { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<MailRouteParameter> Query { get; init; } = [];

    public MailRouteBody? Body { get; init; }

    public required IReadOnlyList<MailRouteResponse> Responses { get; init; }

    /// <summary>The names of the template's <c>{parameters}</c>, in order.</summary>
    public IEnumerable<string> PathParameters => _segments.Where(IsParameter).Select(s => s[1..^1]);

    /// <summary>The template as an OpenAPI path: <c>/api/messages/{id}</c>.</summary>
    public string OpenApiPath => "/" + Template;

    /// <summary>True when the request method is this route's (a GET route answers HEAD too).</summary>
    public bool Accepts(string method) => method == Method || (Method == "GET" && method == "HEAD");

    /// <summary>The values of the template's parameters when <paramref name="parts"/> (the path's segments) fit it, else null.</summary>
    public IReadOnlyList<string>? Match(string[] parts)
    {
        if (parts.Length != _segments.Length) return null;
        List<string>? values = null;
        for (var i = 0; i < parts.Length; i++)
        {
            if (IsParameter(_segments[i])) (values ??= []).Add(parts[i]);
            else if (!string.Equals(parts[i], _segments[i], StringComparison.Ordinal)) return null;
        }
        return values ?? (IReadOnlyList<string>)[];
    }

    private static bool IsParameter(string segment) => segment.Length > 2 && segment[0] == '{' && segment[^1] == '}';
}

/// <summary>A query parameter: its name, JSON Schema type (<c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>) and what it does.</summary>
internal sealed record MailRouteParameter(string Name, string Type, string Description, bool Required = false);

/// <summary>A request body (JSON): its schema (from a serializer's type info, or written out), an example, and what the
/// handler checks beyond the type: the properties it needs (<paramref name="Required"/>: the reader itself needs none)
/// and the values it takes (<paramref name="Refine"/> adds them to the exported schema).</summary>
internal sealed record MailRouteBody(string Description, JsonTypeInfo? Type = null, MailSchema? Schema = null, string? Example = null,
    IReadOnlyList<string>? Required = null, Action<JsonObject>? Refine = null);

/// <summary>A schema written out rather than read from a serializer's type info, under its name in the document's components.</summary>
internal sealed record MailSchema(string Name, Func<JsonNode> Build);

/// <summary>A response: its status, what it means, its media type and, for JSON, its schema. A status with no media
/// type has no body (204); an error is <see cref="MailError"/> JSON.</summary>
internal sealed record MailRouteResponse(int Status, string Description, string? ContentType = null, JsonTypeInfo? Type = null, MailSchema? Schema = null)
{
    public static MailRouteResponse Json(int status, string description, JsonTypeInfo type) => new(status, description, "application/json", type);

    public static MailRouteResponse Error(int status, string description) =>
        new(status, description, "application/json", MailJsonContext.Default.MailError);

    public static MailRouteResponse Empty(int status, string description) => new(status, description);
}
