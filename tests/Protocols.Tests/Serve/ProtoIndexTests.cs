using System.Net;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Serve;

/// <summary>In the dev stack the file server's root listing links the mail page, and <c>/_proto/</c> is an index, not a 404.</summary>
public class ProtoIndexTests
{
    [Test]
    public async Task The_root_listing_links_the_mail_page_and_the_proto_prefix_answers_with_an_index()
    {
        var root = Directory.CreateTempSubdirectory("proto-index-");
        try
        {
            await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = root.FullName }).WaitAsync(TimeSpan.FromSeconds(20));
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{stack.Http.Port}"), Timeout = TimeSpan.FromSeconds(10) };

            var listing = await http.GetStringAsync("/");
            Assert.That(listing, Does.Contain("<a id=\"mail\" href=\"/_proto/mail/\">Captured mail</a>"));
            var mail = await http.GetAsync(new Uri("/_proto/mail/", UriKind.Relative));
            Assert.That(mail.StatusCode, Is.EqualTo(HttpStatusCode.Found));
            Assert.That(mail.Headers.Location, Is.EqualTo(new Uri($"http://127.0.0.1:{stack.Mail.Port}/")), "the link leads to the mail page's own port");

            using var index = await http.GetAsync(new Uri("/_proto/", UriKind.Relative));
            Assert.That(index.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(index.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            var body = await index.Content.ReadAsStringAsync();
            Assert.That(body, Does.Contain("href=\"mail/\"").And.Contain("href=\"metrics/\""));

            using var bare = await http.GetAsync(new Uri("/_proto", UriKind.Relative));
            Assert.That(bare.StatusCode, Is.EqualTo(HttpStatusCode.MovedPermanently));
            Assert.That(bare.Headers.Location?.OriginalString, Is.EqualTo("/_proto/"));
            using var put = await http.PutAsync(new Uri("/_proto/", UriKind.Relative), new StringContent("x"));
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
            using var unmapped = await http.GetAsync(new Uri("/_proto/nothing", UriKind.Relative));
            Assert.That(unmapped.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(File.Exists(Path.Combine(root.FullName, "_proto")), Is.False);

            await File.WriteAllTextAsync(Path.Combine(root.FullName, "a.txt"), "a");
            Directory.CreateDirectory(Path.Combine(root.FullName, "sub"));
            Assert.That(await http.GetStringAsync("/sub/"), Does.Not.Contain("/_proto/"), "only the root links the reserved pages");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
