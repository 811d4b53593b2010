using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Protocols.Tests.Http.Server;

public class UploadTests
{
    private const int Limit = 10_000;
    private ServerFixture _server = null!;

    [SetUp]
    public async Task SetUp() => _server = await ServerFixture.StartAsync(o => { o.AllowUploads = true; o.MaxUploadBytes = Limit; });

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    private string[] LeftoverTempFiles() =>
        Directory.GetFiles(_server.Root, "*.upload", SearchOption.AllDirectories);

    [Test]
    public async Task Put_creates_then_overwrites_making_parent_directories()
    {
        using var created = await _server.Client.PutAsync("/new/deep/file.txt", new StringContent("first"));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.Location!.OriginalString, Is.EqualTo("/new/deep/file.txt"));
        using var replaced = await _server.Client.PutAsync("/new/deep/file.txt", new StringContent("second"));
        Assert.That(replaced.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await _server.Client.GetStringAsync("/new/deep/file.txt"), Is.EqualTo("second"));
        Assert.That(LeftoverTempFiles(), Is.Empty);
    }

    [Test]
    public async Task Put_at_the_limit_is_stored_and_one_byte_past_it_is_413()
    {
        using var atLimit = await _server.Client.PutAsync("/at.bin", new ByteArrayContent(new byte[Limit]));
        Assert.That(atLimit.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(new FileInfo(Path.Combine(_server.Root, "at.bin")).Length, Is.EqualTo(Limit));

        using var past = await _server.Client.PutAsync("/past.bin", new ByteArrayContent(new byte[Limit + 1]));
        Assert.That(past.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(File.Exists(Path.Combine(_server.Root, "past.bin")), Is.False);
        Assert.That(LeftoverTempFiles(), Is.Empty);
    }

    [Test]
    public async Task Chunked_put_past_the_limit_is_413_and_leaves_nothing()
    {
        var response = await _server.RawAsync(
            "PUT /chunked.bin HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{Limit:x}\r\n{new string('a', Limit)}\r\n1\r\nb\r\n0\r\n\r\n");
        Assert.That(ServerFixture.StatusOf(response), Is.EqualTo(413));
        Assert.That(File.Exists(Path.Combine(_server.Root, "chunked.bin")), Is.False);
        Assert.That(LeftoverTempFiles(), Is.Empty);
    }

    [Test]
    public async Task Chunked_put_at_the_limit_is_stored()
    {
        var response = await _server.RawAsync(
            "PUT /chunked.bin HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{Limit - 1:x}\r\n{new string('a', Limit - 1)}\r\n1\r\nb\r\n0\r\n\r\n");
        Assert.That(ServerFixture.StatusOf(response), Is.EqualTo(201));
        Assert.That(new FileInfo(Path.Combine(_server.Root, "chunked.bin")).Length, Is.EqualTo(Limit));
    }

    [Test]
    public async Task Put_to_a_directory_is_409()
    {
        Directory.CreateDirectory(Path.Combine(_server.Root, "dir"));
        using var response = await _server.Client.PutAsync("/dir", new StringContent("x"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task Multipart_post_stores_every_file_and_answers_json()
    {
        Directory.CreateDirectory(Path.Combine(_server.Root, "in"));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("a field"), "note" },
            { new ByteArrayContent("one"u8.ToArray()), "file", "one.txt" },
            { new ByteArrayContent("two"u8.ToArray()), "file", "two.txt" },
        };
        using var response = await _server.Client.PostAsync("/in/", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(json.RootElement.GetProperty("saved").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "one.txt", "two.txt" }));
        Assert.That(File.ReadAllText(Path.Combine(_server.Root, "in", "two.txt")), Is.EqualTo("two"));
    }

    [Test]
    public async Task Multipart_post_from_a_browser_redirects_to_the_listing()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent("x"u8.ToArray()), "file", "b.txt" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = form };
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await _server.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
        Assert.That(response.Headers.Location!.OriginalString, Is.EqualTo("/"));
    }

    [Test]
    public async Task Multipart_past_the_limit_is_413_and_keeps_nothing()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[Limit + 1]), "file", "huge.bin" } };
        using var response = await _server.Client.PostAsync("/", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(File.Exists(Path.Combine(_server.Root, "huge.bin")), Is.False);
        Assert.That(LeftoverTempFiles(), Is.Empty);
    }

    [Test]
    public async Task Post_that_is_not_a_form_is_415_and_a_form_without_files_is_400()
    {
        using var notForm = await _server.Client.PostAsync("/", new StringContent("x"));
        Assert.That(notForm.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        using var form = new MultipartFormDataContent { { new StringContent("v"), "field" } };
        using var noFiles = await _server.Client.PostAsync("/", form);
        Assert.That(noFiles.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("..")]
    [TestCase(".")]
    public async Task Multipart_dot_names_are_400(string name)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("x"u8.ToArray());
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = "\"" + name + "\"" };
        form.Add(file);
        using var response = await _server.Client.PostAsync("/", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task The_listing_offers_an_upload_form_when_uploads_are_on()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await _server.Client.SendAsync(request);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("enctype=\"multipart/form-data\""));
    }
}
