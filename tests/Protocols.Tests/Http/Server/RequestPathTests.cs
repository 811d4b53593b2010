using Microsoft.AspNetCore.Http;
using Protocols.Servers.Http;

namespace Protocols.Tests.Http.Server;

/// <summary>The path normalised once before routing (issue 14 item 4) and the Host check (item 2).</summary>
public class RequestPathTests
{
    [TestCase("", "/")]
    [TestCase("/", "/")]
    [TestCase("/a/b.txt", "/a/b.txt")]
    [TestCase("//_proto/secret.txt", "/_proto/secret.txt")]
    [TestCase("///_proto//x", "/_proto/x")]
    [TestCase("/sub/..//_proto/x", "/_proto/x")]
    [TestCase("/./_proto/x", "/_proto/x")]
    [TestCase("//evil.example", "/evil.example")]
    [TestCase("/a//", "/a/")]
    [TestCase("/a/.", "/a/")]
    [TestCase("/a/b/..", "/a/")]
    [TestCase("/a/..", "/")]
    [TestCase("/.hidden", "/.hidden")]
    [TestCase("/...", "/...")]
    [TestCase("/a/..b", "/a/..b")]
    public void Paths_are_normalised_before_routing(string path, string expected) =>
        Assert.That(RequestPath.Normalize(path), Is.EqualTo(expected));

    [TestCase("/..")]
    [TestCase("/../x")]
    [TestCase("/a/../../x")]
    [TestCase("a/b")]
    public void Paths_above_the_root_or_not_absolute_are_refused(string path) =>
        Assert.That(RequestPath.Normalize(path), Is.Null);

    [TestCase("127.0.0.1:8080")]
    [TestCase("127.0.0.1")]
    [TestCase("10.1.2.3:80")]
    [TestCase("localhost:8080")]
    [TestCase("LocalHost")]
    [TestCase("app.localhost:8080")]
    [TestCase("[::1]:8080")]
    [TestCase("[::1]")]
    [TestCase("dev.example:8080")] // allowed explicitly below
    public void Loopback_names_ip_literals_and_allowed_names_pass(string host) =>
        Assert.That(HostCheck.Allows(new HostString(host), ["dev.example"]), Is.True);

    [TestCase("rebind.attacker.example:8080")]
    [TestCase("rebind.attacker.example")]
    [TestCase("127.0.0.1.attacker.example")]
    [TestCase("localhost.attacker.example")]
    [TestCase("localhostx")]
    [TestCase("[not-an-address]")]
    [TestCase("1.2.3")]
    [TestCase("dev.example.attacker.example")]
    public void Other_names_are_refused(string host) =>
        Assert.That(HostCheck.Allows(new HostString(host), ["dev.example"]), Is.False);
}
