using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Protocols.Servers.MailUi;

/// <summary>
/// The OpenAPI 3.1 document of the captured-mail API, written from the route table (<see cref="CapturedMailApp.Routes"/>)
/// and, for JSON bodies, from the serializers' own type info (<see cref="JsonSchemaExporter"/>): what the app answers
/// and what it writes are what the document says. Built once; each request gets it with its own server URL.
/// </summary>
internal static class MailApiDocument
{
    private static readonly Lazy<JsonObject> Document = new(() => Build(CapturedMailApp.Routes));

    private static readonly JsonSchemaExporterOptions ExporterOptions = new() { TreatNullObliviousAsNonNullable = true };

    /// <summary>The document as JSON, its server the mount point (<paramref name="pathBase"/>, "" at the root).</summary>
    public static string Json(string pathBase)
    {
        var document = (JsonObject)Document.Value.DeepClone();
        document["servers"] = new JsonArray(new JsonObject { ["url"] = pathBase.Length == 0 ? "/" : pathBase, ["description"] = "This app, where it is mounted." });
        return document.ToJsonString();
    }

    internal static JsonObject Build(IReadOnlyList<MailRoute> routes)
    {
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var paths = new JsonObject();
        foreach (var route in routes)
        {
            if (paths[route.OpenApiPath] is not JsonObject item) paths[route.OpenApiPath] = item = [];
            item[route.Method.ToLowerInvariant()] = Operation(route, schemas);
        }
        var version = typeof(MailApiDocument).Assembly.GetName().Version ?? new Version(0, 0);
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Protocols captured mail",
                ["version"] = version.ToString(3),
                ["description"] = "The page and JSON API of `proto serve`'s captured mail. Every GET also answers HEAD; another method on a "
                    + "known path is 405 with Allow; errors are {\"error\": \"...\"}. A browser page of another origin cannot change anything (403). "
                    + "The Prometheus scrape is /_proto/metrics on the file server's port.",
            },
            ["servers"] = new JsonArray(),
            ["tags"] = new JsonArray(Tag("messages", "Captured messages: list, read, flag, delete, release."),
                Tag("live", "Waiting for mail and watching the store."), Tag("faults", "The SMTP server's runtime faults."),
                Tag("page", "The web page."), Tag("meta", "This document.")),
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject([.. schemas.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]) },
        };
    }

    private static JsonObject Tag(string name, string description) => new() { ["name"] = name, ["description"] = description };

    private static JsonObject Operation(MailRoute route, SortedDictionary<string, JsonNode> schemas)
    {
        var operation = new JsonObject { ["operationId"] = route.OperationId, ["tags"] = new JsonArray(route.Tag), ["summary"] = route.Summary };
        if (route.Description is { } description) operation["description"] = description;
        var parameters = new JsonArray();
        foreach (var name in route.PathParameters) parameters.Add((JsonNode)Parameter(CapturedMailApp.PathParameters[name], "path"));
        foreach (var query in route.Query) parameters.Add((JsonNode)Parameter(query, "query"));
        if (parameters.Count > 0) operation["parameters"] = parameters;
        if (route.Body is { } body)
        {
            var media = new JsonObject { ["schema"] = Reference(body.Type, body.Schema, schemas, body) };
            if (body.Example is { } example) media["example"] = JsonNode.Parse(example);
            operation["requestBody"] = new JsonObject
            {
                ["description"] = body.Description, ["required"] = true, ["content"] = new JsonObject { ["application/json"] = media },
            };
        }
        var responses = new JsonObject();
        foreach (var response in route.Responses)
        {
            var answer = new JsonObject { ["description"] = response.Description };
            if (response.ContentType is { } type)
            {
                var schema = response.Type is null && response.Schema is null
                    ? new JsonObject { ["type"] = "string" }
                    : Reference(response.Type, response.Schema, schemas);
                answer["content"] = new JsonObject { [type] = new JsonObject { ["schema"] = schema } };
            }
            responses[response.Status.ToString(CultureInfo.InvariantCulture)] = answer;
        }
        operation["responses"] = responses;
        return operation;
    }

    private static JsonObject Parameter(MailRouteParameter parameter, string where)
    {
        var schema = new JsonObject { ["type"] = parameter.Type };
        if (parameter.Type == "integer") schema["minimum"] = parameter.Name == "n" ? 0 : 1;
        return new JsonObject
        {
            ["name"] = parameter.Name, ["in"] = where, ["required"] = parameter.Required || where == "path",
            ["description"] = parameter.Description, ["schema"] = schema,
        };
    }

    /// <summary>A <c>$ref</c> to the named schema in the components, adding it there on first use.</summary>
    private static JsonObject Reference(JsonTypeInfo? type, MailSchema? written, SortedDictionary<string, JsonNode> schemas, MailRouteBody? request = null)
    {
        var name = type?.Type.Name ?? written?.Name ?? throw new InvalidOperationException("a JSON body needs a schema");
        if (!schemas.ContainsKey(name))
        {
            var schema = type is null ? written!.Build() : (request is null ? Written(type) : type).GetJsonSchemaAsNode(ExporterOptions);
            if (request is not null && type is not null && schema is JsonObject body)
            {
                // The exporter lists every constructor parameter as required, true of what the app writes; a request
                // may leave any out, and the handler says which it needs.
                body.Remove("required");
                if (request.Required is { Count: > 0 } required) body["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
                request.Refine?.Invoke(body);
            }
            Rebase(schema, "#/components/schemas/" + name);
            schemas[name] = schema;
        }
        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
    }

    /// <summary>The contract as the app writes it: numbers as numbers (the web defaults also read them from strings,
    /// which is true of request bodies only).</summary>
    private static JsonTypeInfo Written(JsonTypeInfo type) =>
        new JsonSerializerOptions(type.Options) { NumberHandling = JsonNumberHandling.Strict }.GetTypeInfo(type.Type);

    /// <summary>The exporter's references (to itself, for recursive types) are pointers from the schema's root: moved
    /// under the components, they point from there.</summary>
    private static void Rebase(JsonNode? node, string root)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"] is JsonValue value && value.TryGetValue<string>(out var pointer) && pointer.StartsWith('#'))
                    o["$ref"] = root + pointer[1..];
                foreach (var (_, child) in o.ToList()) Rebase(child, root);
                break;
            case JsonArray a:
                foreach (var child in a) Rebase(child, root);
                break;
        }
    }
}
