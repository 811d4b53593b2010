using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Http;

namespace Protocols.Tests.Http.Server;

/// <summary>Basic auth, CORS and the reserved /_proto/ prefix.</summary>
public class AccessTests
{
    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    [Test]
    public async Task Basic_auth_challenges_then_admits_the_right_credentials()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.UserName = "ann"; o.Password = "s3cret:ü"; });
        using var anonymous = await server.Client.GetAsync("/hello.txt");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Basic realm=\"proto\", charset=\"UTF-8\""));

        foreach (var (user, password) in new[] { ("ann", "wrong"), ("bob", "s3cret:ü"), ("ann", "s3cret:") })
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
            wrong.Headers.Authorization = Basic(user, password);
            using var denied = await server.Client.SendAsync(wrong);
            Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{user}:{password}");
        }
        using var garbage = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        garbage.Headers.TryAddWithoutValidation("Authorization", "Basic !!!not-base64");
        using var garbageResponse = await server.Client.SendAsync(garbage);
        Assert.That(garbageResponse.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        using var right = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        right.Headers.Authorization = Basic("ann", "s3cret:ü");
        using var admitted = await server.Client.SendAsync(right);
        Assert.That(admitted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Cors_preflight_and_simple_requests()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.EnableCors = true; o.AllowUploads = true; });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/x.txt");
        preflight.Headers.Add("Origin", "http://app.localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type, x-custom");
        using var answer = await server.Client.SendAsync(preflight);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Methods").Single(), Does.Contain("PUT"));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Headers").Single(), Is.EqualTo("content-type, x-custom"));
        Assert.That(answer.Headers.Contains("Access-Control-Max-Age"), Is.True);

        using var get = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        get.Headers.Add("Origin", "http://app.localhost:3000");
        using var simple = await server.Client.SendAsync(get);
        Assert.That(simple.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("*"));
        Assert.That(simple.Headers.GetValues("Access-Control-Expose-Headers").Single(), Does.Contain("Content-Range"));
    }

    [Test]
    public async Task Without_cors_no_cors_headers()
    {
        await using var server = await ServerFixture.StartAsync();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/hello.txt");
        get.Headers.Add("Origin", "http://elsewhere");
        using var response = await server.Client.SendAsync(get);
        Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
    }

    [Test]
    public async Task Cors_with_auth_echoes_the_origin_and_preflight_needs_no_credentials()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.EnableCors = true; o.UserName = "u"; o.Password = "p"; });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/hello.txt");
        preflight.Headers.Add("Origin", "http://app.localhost");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var answer = await server.Client.SendAsync(preflight);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Origin").Single(), Is.EqualTo("http://app.localhost"));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Credentials").Single(), Is.EqualTo("true"));
    }

    [Test]
    public async Task Reserved_prefix_never_maps_to_files_and_routes_can_be_mounted()
    {
        await using var server = await ServerFixture.StartAsync(o => o.AllowUploads = true);
        server.Write("_proto/mail/index.html", "a file that must never be served");
        using (var unmapped = await server.Client.GetAsync("/_proto/mail/index.html"))
        {
            Assert.That(unmapped.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(await unmapped.Content.ReadAsStringAsync(), Does.Not.Contain("never be served"));
        }
        using (var put = await server.Client.PutAsync("/_proto/x.txt", new StringContent("x")))
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(File.Exists(Path.Combine(server.Root, "_proto", "x.txt")), Is.False);

        server.Server.Options.ReservedRoutes.Map("mail", async context =>
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"base={context.Request.PathBase} path={context.Request.Path}");
        });
        Assert.That(await server.Client.GetStringAsync("/_proto/mail/messages/1"), Is.EqualTo("base=/_proto/mail path=/messages/1"));
        Assert.That(await server.Client.GetStringAsync("/_proto/mail"), Is.EqualTo("base=/_proto/mail path="));
        using var other = await server.Client.GetAsync("/_proto/mailbox");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a name matches whole segments only");
        Assert.That(server.Server.Options.ReservedRoutes.Names, Is.EqualTo(new[] { "mail" }));
    }

    [Test]
    public void Reserved_route_names_are_single_segments()
    {
        var routes = new ReservedRoutes();
        Assert.That(() => routes.Map("a/b", _ => Task.CompletedTask), Throws.ArgumentException);
        Assert.That(() => routes.Map(" ", _ => Task.CompletedTask), Throws.ArgumentException);
    }
}
