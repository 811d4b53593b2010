using System.Net;

namespace Protocols.Tests.Http.Server;

/// <summary>Nothing outside the root is ever served or written, whatever the request looks like on the wire.</summary>
public class TraversalTests
{
    private ServerFixture _server = null!;

    [SetUp]
    public async Task SetUp()
    {
        _server = await ServerFixture.StartAsync(o => o.AllowUploads = true);
        _server.Write("sub/inner.txt", "inner");
        File.CreateSymbolicLink(Path.Combine(_server.Root, "link-out"), _server.Outside);
        File.CreateSymbolicLink(Path.Combine(_server.Root, "secret-link.txt"), Path.Combine(_server.Outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_server.Root, "sub", "up-link"), "../../outside");
        File.CreateSymbolicLink(Path.Combine(_server.Root, "inside-link.txt"), Path.Combine(_server.Root, "sub", "inner.txt"));
    }

    [TearDown]
    public async Task TearDown() => await _server.DisposeAsync();

    private static readonly string[] Targets =
    [
        "/../outside/secret.txt",
        "/%2e%2e/outside/secret.txt",
        "/%2E%2E/outside/secret.txt",
        "/.%2e/outside/secret.txt",
        "/..%2foutside%2fsecret.txt",
        "/..%2Foutside/secret.txt",
        "/%2e%2e%2foutside%2fsecret.txt",
        "/..\\outside\\secret.txt",
        "/..%5coutside%5csecret.txt",
        "/%2e%2e%5coutside%5csecret.txt",
        "/%252e%252e/outside/secret.txt",
        "/sub/../../outside/secret.txt",
        "/sub/%2e%2e/%2e%2e/outside/secret.txt",
        "/./../outside/secret.txt",
        "//../outside/secret.txt",
        "/hello.txt%00/../../outside/secret.txt",
        "/%00../outside/secret.txt",
        "/..%00/outside/secret.txt",
        "/%c0%ae%c0%ae/outside/secret.txt",
        "/..;/outside/secret.txt",
        "/....//outside/secret.txt",
        "/link-out/secret.txt",
        "/secret-link.txt",
        "/sub/up-link/secret.txt",
        "/%6c%69%6e%6b-out/secret.txt",
        "http://127.0.0.1/../outside/secret.txt",
        "../outside/secret.txt",
        "/%2fetc%2fpasswd",
    ];

    [TestCaseSource(nameof(Targets))]
    public async Task Get_never_leaves_the_root(string target)
    {
        var response = await _server.RawAsync($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.That(response, Does.Not.Contain(ServerFixture.Secret));
        Assert.That(response, Does.Not.Contain("root:x:0"));
        Assert.That(ServerFixture.StatusOf(response), Is.AnyOf(400, 404), response);
    }

    [TestCaseSource(nameof(Targets))]
    public async Task Put_never_writes_outside_the_root(string target)
    {
        var putTarget = target.Replace("secret.txt", "evil.txt", StringComparison.Ordinal);
        var response = await _server.RawAsync(
            $"PUT {putTarget} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nConnection: close\r\n\r\nevil");
        Assert.That(File.Exists(Path.Combine(_server.Outside, "evil.txt")), Is.False, response);
        Assert.That(File.ReadAllText(Path.Combine(_server.Outside, "secret.txt")), Is.EqualTo(ServerFixture.Secret));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(_server.Root)!), Is.Empty, "nothing beside the root");
    }

    [Test]
    public async Task Put_over_a_symlink_replaces_the_link_not_its_target()
    {
        using var response = await _server.Client.PutAsync("/secret-link.txt", new StringContent("replaced"));
        Assert.That(response.IsSuccessStatusCode, Is.True);
        Assert.That(File.ReadAllText(Path.Combine(_server.Outside, "secret.txt")), Is.EqualTo(ServerFixture.Secret));
        Assert.That(new FileInfo(Path.Combine(_server.Root, "secret-link.txt")).LinkTarget, Is.Null);
    }

    [TestCase("../evil.txt")]
    [TestCase("..\\evil.txt")]
    [TestCase("/tmp/../../evil.txt")]
    public async Task Multipart_file_names_are_cut_to_their_last_segment(string fileName)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent("evil"u8.ToArray());
        form.Add(file, "file", "x");
        file.Headers.ContentDisposition!.FileName = "\"" + fileName.Replace("\\", "\\\\", StringComparison.Ordinal) + "\"";
        file.Headers.ContentDisposition.FileNameStar = null;
        using var response = await _server.Client.PostAsync("/sub/", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        Assert.That(File.ReadAllText(Path.Combine(_server.Root, "sub", "evil.txt")), Is.EqualTo("evil"));
        Assert.That(File.Exists(Path.Combine(_server.Outside, "evil.txt")), Is.False);
    }

    [Test]
    public async Task Multipart_into_a_symlinked_directory_outside_is_refused()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent("evil"u8.ToArray()), "file", "evil.txt" } };
        using var response = await _server.Client.PostAsync("/link-out/", form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(Path.Combine(_server.Outside, "evil.txt")), Is.False);
    }

    [Test]
    public async Task Symlinks_inside_the_root_are_followed_and_outside_ones_are_not_listed()
    {
        Assert.That(await _server.Client.GetStringAsync("/inside-link.txt"), Is.EqualTo("inner"));
        var listing = await _server.Client.GetStringAsync("/?format=json");
        Assert.That(listing, Does.Contain("inside-link.txt"));
        Assert.That(listing, Does.Not.Contain("link-out"));
        Assert.That(listing, Does.Not.Contain("secret-link"));
    }
}
