using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Protocols.Servers.Hosting;
using Protocols.Servers.MailUi;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Serve;

/// <summary>
/// Issue 16.3: the captured-mail API's OpenAPI document (<c>api/openapi.json</c>) against the live endpoints of the
/// real stack (<see cref="DevStack"/>, with its SMTP server's faults): it is OpenAPI 3 (read by Microsoft.OpenApi with no
/// error), every documented operation answers a real request with a 2xx status, media type and JSON shape the document
/// lists, and every route the app answers, from a list of known and likely paths and the dispatcher's own table, is in it.
/// </summary>
public class ApiDocumentTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private const string Message = "From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: Documented\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
        + "--b2\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b2\r\nContent-Type: text/html\r\n\r\n<p>Hello <img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"></p>\r\n--b2--\r\n"
        + "--b1\r\nContent-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b1--\r\n";

    private DevStack _stack = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _stack = await DevStack.StartAsync(new DevStackOptions { Root = Path.GetTempPath() }).WaitAsync(Timeout);
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _stack.MailPage, Timeout = Timeout };
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _stack.DisposeAsync();
    }

    private async Task<string> CaptureAsync()
    {
        await RawSmtp.SendAsync(_stack.Smtp, "alice@example.com", "bob@example.com", Message);
        var list = JsonNode.Parse(await _http.GetStringAsync("api/messages").WaitAsync(Timeout))!;
        return (string)list["messages"]![0]!["id"]!;
    }

    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await _http.GetAsync("api/openapi.json").WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        select (path.Key, operation.Key.ToUpperInvariant(), operation.Value!.AsObject());

    [Test]
    public async Task The_document_is_OpenAPI_3_that_Microsoft_OpenApi_reads_without_an_error_and_every_reference_resolves()
    {
        var document = await DocumentAsync();
        var text = document.ToJsonString();
        Assert.That((string?)document["openapi"], Does.StartWith("3."));
        Assert.That((string?)document["servers"]![0]!["url"], Is.EqualTo("/"), "the mail page's port serves the app at its root");

        var read = Microsoft.OpenApi.OpenApiDocument.Parse(text, "json");
        Assert.That(read.Diagnostic!.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(read.Diagnostic.SpecificationVersion, Is.EqualTo(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1));
        var errors = Microsoft.OpenApi.OpenApiElementExtensions.Validate(read.Document!, Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet());
        Assert.That(errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(read.Document!.Paths.Keys, Is.EquivalentTo(CapturedMailApp.Routes.Select(r => r.OpenApiPath).Distinct()));

        var ids = Operations(document).Select(o => (string?)o.Operation["operationId"]).ToList();
        Assert.That(ids, Is.Unique.And.All.Not.Null);
        foreach (var reference in References(document))
            Assert.That(Resolve(document, reference), Is.Not.Null, "$ref " + reference);
        Assert.That(Operations(document).Where(o => o.Operation["requestBody"] is not null).Select(o => o.Path + " " + o.Method),
            Is.EquivalentTo(new[] { "/api/messages/{id} PATCH", "/api/messages/{id}/release POST", "/api/faults PUT" }));
        var rule = Resolve(document, "#/components/schemas/FaultRules")!["items"]!;
        Assert.That(rule["properties"]!.AsObject().Select(p => p.Key), Is.EqualTo(FaultRulesJson.Fields), "the schema names every field the parser reads");
        Assert.That(rule["properties"]!["stage"]!["enum"]!.AsArray().Select(s => (string?)s), Does.Contain("after-data"));
        var list = Operations(document).Single(o => o.Path == "/api/messages" && o.Method == "GET").Operation;
        Assert.That(list["parameters"]!.AsArray().Select(p => (string?)p!["name"]), Is.SupersetOf(new[] { "query", "cursor", "limit" }));
        var wait = Operations(document).Single(o => o.Path == "/api/wait").Operation;
        Assert.That(wait["parameters"]!.AsArray().Select(p => (string?)p!["name"]), Is.EquivalentTo(CapturedMailApp.WaitParameters),
            "api/wait documents exactly the parameters it accepts");
    }

    [Test]
    public async Task Every_documented_operation_answers_a_real_request_with_a_2xx_status_media_type_and_shape_it_lists()
    {
        await using var smtp = await SmtpTestServer.StartAsync().WaitAsync(Timeout);
        var id = await CaptureAsync();
        var document = await DocumentAsync();
        // Changes last, and the clearing of every message last of all, so each operation finds the message.
        var operations = Operations(document)
            .OrderBy(o => o.Method == "DELETE" ? (o.Path == "/api/messages" ? 2 : 1) : 0)
            .ToList();
        Assert.That(operations, Has.Count.EqualTo(CapturedMailApp.Routes.Count));
        foreach (var (path, method, operation) in operations)
        {
            var url = path[1..].Replace("{id}", id, StringComparison.Ordinal).Replace("{n}", "0", StringComparison.Ordinal);
            if (path == "/api/wait") url += "?since=2000-01-01T00:00:00Z&timeout=5"; // the message is there: no waiting
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (operation["requestBody"]?["content"]?["application/json"]?["example"] is { } example)
            {
                if (path.EndsWith("/release", StringComparison.Ordinal)) example["port"] = smtp.Port; // a real server takes it
                request.Content = new StringContent(example.ToJsonString(), Encoding.UTF8, "application/json");
            }
            using var response = await SendAsync(request);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var what = $"{method} {path} answered {status}";
            Assert.That(operation["responses"]!.AsObject().Select(r => r.Key), Does.Contain(status), what + ", a status the document does not list");
            Assert.That((int)response.StatusCode, Is.InRange(200, 299), what);
            var documented = operation["responses"]![status]!["content"]?.AsObject().Select(c => c.Key).ToList() ?? [];
            var media = response.Content.Headers.ContentType?.MediaType;
            if (documented.Count == 0)
            {
                Assert.That(media, Is.Null, what + " with a body the document does not describe");
                continue;
            }
            Assert.That(documented, Does.Contain(media), what + " as " + media);
            if (media != "application/json") continue; // the event stream never ends: read only JSON bodies
            var schema = Resolve(document, (string)operation["responses"]![status]!["content"]![media]!["schema"]!["$ref"]!)!;
            CheckShape(document, schema, JsonNode.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeout)), what);
        }
        Assert.That(smtp.Messages, Has.Count.EqualTo(1), "the documented release example reached the server");
    }

    [Test]
    public async Task Every_route_the_app_answers_is_in_the_document()
    {
        var id = await CaptureAsync();
        var document = await DocumentAsync();
        var documented = Operations(document).Select(o => (o.Path, o.Method)).ToHashSet();
        string[] known =
        [
            "", "index.html", "favicon.ico", "api", "api/", "api/openapi.json", "api/openapi", "api/swagger.json", "api/messages", "api/messages/{id}",
            "api/messages/{id}/raw", "api/messages/{id}/html", "api/messages/{id}/attachments/0", "api/messages/{id}/attachments/9",
            "api/messages/{id}/attachments", "api/messages/{id}/release", "api/messages/{id}/report", "api/messages/{id}/headers",
            "api/messages/{id}/source", "api/messages/{id}/parts", "api/messages/{id}/seen", "api/messages/{id}/relay",
            "api/search", "api/tags", "api/wait", "api/events", "api/stats", "api/faults", "api/faults/0", "api/relay", "api/metrics",
            "api/health", "api/version", "api/info", "metrics", "events", "messages",
        ];
        var templates = CapturedMailApp.Routes.Select(r => r.Template).Concat(known).Distinct();
        var unrouted = 0;
        foreach (var template in templates)
        {
            var url = template.Replace("{id}", id, StringComparison.Ordinal).Replace("{n}", "0", StringComparison.Ordinal);
            foreach (var method in Methods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), url + "?timeout=0.1");
                if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await SendAsync(request);
                var what = $"{method} /{url} answered {(int)response.StatusCode}";
                if (response.StatusCode == HttpStatusCode.NotFound && method != "HEAD"
                    && (await response.Content.ReadAsStringAsync().WaitAsync(Timeout)).Contains("no such route", StringComparison.Ordinal))
                {
                    unrouted++;
                    continue;
                }
                var path = DocumentedPath(documented, "/" + url);
                if (response.StatusCode == HttpStatusCode.MethodNotAllowed)
                {
                    Assert.That(path, Is.Not.Null, what + ": a path the document does not have");
                    Assert.That(documented, Does.Not.Contain((path!, method)), what + " but the document has it");
                    foreach (var allowed in response.Content.Headers.Allow)
                        Assert.That(documented, Does.Contain((path!, allowed)), what + $": Allow lists {allowed}, the document does not");
                    continue;
                }
                if (method == "HEAD" && response.StatusCode == HttpStatusCode.NotFound && path is null)
                {
                    unrouted++; // a HEAD 404 has no body to tell an unknown route from an unknown message; a known path gets past
                    continue;
                }
                Assert.That(path, Is.Not.Null, what + ": answered, but not in the document");
                Assert.That(documented, Does.Contain((path!, method == "HEAD" ? "GET" : method)), what + ": answered, but not in the document");
            }
        }
        Assert.That(unrouted, Is.GreaterThan(Methods.Length * 10), "the probe reached paths the app does not route, so it can tell them apart");
    }

    [Test]
    public async Task The_file_server_index_links_the_document_and_its_address_there_leads_to_it()
    {
        using var files = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{_stack.Http.Port}"), Timeout = Timeout };
        var index = await files.GetStringAsync("/_proto/").WaitAsync(Timeout);
        Assert.That(index, Does.Contain("href=\"mail/api/openapi.json\""));
        using var moved = await files.GetAsync("/_proto/mail/api/openapi.json").WaitAsync(Timeout);
        Assert.That(moved.StatusCode, Is.EqualTo(HttpStatusCode.Found));
        Assert.That(moved.Headers.Location, Is.EqualTo(new Uri(_stack.MailPage, "api/openapi.json")));
        using var other = await files.GetAsync("/_proto/mail/api/messages").WaitAsync(Timeout);
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the old API paths stay 404 on the file server's origin");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new AssertionException($"{request.Method} {request.RequestUri} did not answer within {Timeout.TotalSeconds} s");
        }
    }

    [Test]
    public async Task The_real_proto_serve_process_serves_the_document_on_the_mail_port()
    {
        await using var serve = await RunningServe.StartAsync();
        using var http = new HttpClient { BaseAddress = serve.MailPage, Timeout = Timeout };
        var document = JsonNode.Parse(await http.GetStringAsync("api/openapi.json").WaitAsync(Timeout))!;
        Assert.That((string?)document["openapi"], Is.EqualTo("3.1.0"));
        Assert.That(document["paths"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(CapturedMailApp.Routes.Select(r => r.OpenApiPath).Distinct()));
        Assert.That(Microsoft.OpenApi.OpenApiDocument.Parse(document.ToJsonString(), "json").Diagnostic!.Errors, Is.Empty);
    }

    /// <summary>The document's path template that <paramref name="url"/> fits, or null.</summary>
    private static string? DocumentedPath(HashSet<(string Path, string Method)> documented, string url)
    {
        var parts = url.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return documented.Select(d => d.Path).Distinct().FirstOrDefault(template =>
        {
            var segments = template.Split('/', StringSplitOptions.RemoveEmptyEntries);
            return segments.Length == parts.Length && segments.Zip(parts).All(p => p.First.StartsWith('{') || p.First == p.Second);
        });
    }

    /// <summary>A JSON value against the document's schema, as far as objects, arrays and their properties go: every
    /// property it writes is a documented one, every required one is there.</summary>
    private static void CheckShape(JsonObject document, JsonNode schema, JsonNode? value, string what)
    {
        if (schema["$ref"] is { } reference) schema = Resolve(document, (string)reference!)!;
        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => (string)t!).ToList(),
            JsonValue one => [(string)one!],
            _ => null,
        };
        var type = TypeOf(value);
        if (types is not null)
            Assert.That(types.Contains(type) || (type == "integer" && types.Contains("number")), Is.True, $"{what}: a {type} where the schema says {string.Join(" or ", types)}");
        switch (value)
        {
            case JsonObject o when schema["properties"] is JsonObject properties:
                Assert.That(o.Select(p => p.Key), Is.SubsetOf(properties.Select(p => p.Key)), what + ": undocumented properties");
                foreach (var required in schema["required"]?.AsArray() ?? [])
                    Assert.That(o.ContainsKey((string)required!), Is.True, $"{what}: required {required} missing");
                foreach (var (name, child) in o) CheckShape(document, properties[name]!, child, what + "." + name);
                break;
            case JsonArray a when schema["items"] is { } items:
                foreach (var item in a) CheckShape(document, items, item, what + "[]");
                break;
        }
    }

    private static string TypeOf(JsonNode? value) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => value.AsValue().TryGetValue<long>(out _) ? "integer" : "number",
    };

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [(string)p.Value!] : References(p.Value)),
        JsonArray a => a.SelectMany(References),
        _ => [],
    };

    private static JsonNode? Resolve(JsonNode document, string pointer)
    {
        var node = (JsonNode?)document;
        foreach (var token in pointer.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[name],
                JsonArray a when int.TryParse(name, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null) return null;
        }
        return node;
    }
}
