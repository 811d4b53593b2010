using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;
using Protocols.Servers.MailUi;

namespace Protocols.Tests.MailUi;

public class CapturedMailMimeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    internal const string Multipart =
        "From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.com>\r\n" +
        "To: team@example.com\r\n" +
        "Subject: =?UTF-8?Q?Report_f=C3=BCr_Q3?=\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
        "\r\n" +
        "--inner\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "The report is attached.\r\n" +
        "--inner\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<h1 id=\"title\">Quarterly report</h1><img src=\"https://tracker.invalid/pixel.gif\">\r\n" +
        "--inner--\r\n" +
        "--outer\r\n" +
        "Content-Type: text/csv; name=\"../../etc/numbers.csv\"\r\n" +
        "Content-Disposition: attachment; filename=\"../../etc/numbers.csv\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "YSxiCjEsMgo=\r\n" +
        "--outer--\r\n";

    [Test]
    public async Task Multipart_message_shows_decoded_headers_text_html_and_a_safe_attachment_download()
    {
        await using var host = await MailUiTestHost.StartAsync();
        var mail = await host.AddAsync(Multipart, "j@example.com", "team@example.com");
        var detail = (await host.Client.GetFromJsonAsync<MailDetail>($"api/messages/{mail.Id}", Web).WaitAsync(Timeout))!;
        Assert.That(detail.Summary.Subject, Is.EqualTo("Report für Q3"));
        Assert.That(detail.Summary.From, Does.Contain("Jürgen"));
        Assert.That(detail.Summary.HasHtml, Is.True);
        Assert.That(detail.Summary.AttachmentCount, Is.EqualTo(1));
        Assert.That(detail.Text, Does.StartWith("The report is attached."));
        var attachment = detail.Attachments.Single();
        Assert.That(attachment.FileName, Is.EqualTo("numbers.csv"));
        Assert.That(attachment.ContentType, Is.EqualTo("text/csv"));
        var download = await host.Client.GetAsync(attachment.Url).WaitAsync(Timeout);
        Assert.That(download.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(download.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/octet-stream"));
        Assert.That(download.Content.Headers.ContentDisposition!.DispositionType, Is.EqualTo("attachment"));
        Assert.That(download.Content.Headers.ContentDisposition.FileNameStar ?? download.Content.Headers.ContentDisposition.FileName, Is.EqualTo("numbers.csv"));
        Assert.That(await download.Content.ReadAsStringAsync().WaitAsync(Timeout), Is.EqualTo("a,b\n1,2\n"));
        var html = await host.Client.GetStringAsync(detail.HtmlUrl).WaitAsync(Timeout);
        Assert.That(html, Does.StartWith("<base target=\"_blank\"><h1 id=\"title\">Quarterly report</h1>"));
        var search = await host.Client.GetFromJsonAsync<MailList>("api/messages?subject=f%C3%BCr", Web).WaitAsync(Timeout);
        Assert.That(search!.Total, Is.EqualTo(1));
    }

    [Test]
    public async Task Page_mounts_on_the_http_file_servers_reserved_prefix()
    {
        var root = Directory.CreateTempSubdirectory("proto-mailui-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root.FullName, "index.html"), "files here");
            await using var store = await Protocols.Servers.Mail.MailStores.OpenAsync(null);
            var builder = new ProtocolsHostBuilder();
            var files = builder.AddHttpServer(new HttpServerOptions { Root = root.FullName }, new IPEndPoint(IPAddress.Loopback, 0));
            files.Options.ReservedRoutes.MapCapturedMail(store);
            await using var host = await builder.StartAsync().WaitAsync(Timeout);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.GetEndPoint("http").Port}/") };
            Assert.That(await client.GetStringAsync("").WaitAsync(Timeout), Is.EqualTo("files here"));
            await store.AppendAsync(new Protocols.Servers.Mail.MailToAppend("Subject: via files\r\n\r\nx\r\n"u8.ToArray()));
            var list = await client.GetFromJsonAsync<MailList>("_proto/mail/api/messages", Web).WaitAsync(Timeout);
            Assert.That(list!.Messages.Single().Subject, Is.EqualTo("via files"));
            var page = await client.GetAsync("_proto/mail/").WaitAsync(Timeout);
            Assert.That(page.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
