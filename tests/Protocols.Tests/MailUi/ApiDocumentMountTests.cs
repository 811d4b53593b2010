using System.Net;
using System.Text.Json.Nodes;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;
using Protocols.Servers.MailUi;

namespace Protocols.Tests.MailUi;

/// <summary>The API document wherever the app is mounted: its <c>servers</c> URL is the mount point, so relative calls
/// from a client generated from it land on the app (endpoint routing at /_proto/mail, the file server's reserved prefix).</summary>
public class ApiDocumentMountTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static async Task<JsonNode> DocumentAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url).WaitAsync(Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeout))!;
    }

    [Test]
    public async Task Under_endpoint_routing_the_server_url_is_the_mount_point()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var document = await DocumentAsync(host.Client, "api/openapi.json");
        Assert.That((string?)document["openapi"], Is.EqualTo("3.1.0"));
        Assert.That((string?)document["servers"]![0]!["url"], Is.EqualTo("/_proto/mail"));
        Assert.That(document["paths"]!.AsObject().Select(p => p.Key), Does.Contain("/api/messages/{id}/release"));
        using var post = await host.Client.PostAsync("api/openapi.json", null).WaitAsync(Timeout);
        Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(post.Content.Headers.Allow, Is.EqualTo(new[] { "GET" }));
    }

    [Test]
    public async Task On_the_file_servers_reserved_prefix_the_index_links_it_and_the_server_url_is_the_prefix()
    {
        var root = Directory.CreateTempSubdirectory("proto-openapi-");
        try
        {
            await using var store = await Protocols.Servers.Mail.MailStores.OpenAsync(null);
            var builder = new ProtocolsHostBuilder();
            var files = builder.AddHttpServer(new HttpServerOptions { Root = root.FullName }, new IPEndPoint(IPAddress.Loopback, 0));
            files.Options.ReservedRoutes.MapCapturedMail(store);
            await using var host = await builder.StartAsync().WaitAsync(Timeout);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.GetEndPoint("http").Port}/"), Timeout = Timeout };
            var index = await client.GetStringAsync("_proto/").WaitAsync(Timeout);
            Assert.That(index, Does.Contain("<a href=\"mail/\">mail/</a> · <a href=\"mail/api/openapi.json\">API document (OpenAPI)</a>"));
            var document = await DocumentAsync(client, "_proto/mail/api/openapi.json");
            Assert.That((string?)document["servers"]![0]!["url"], Is.EqualTo("/_proto/mail"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
