using System.Text;
using Protocols.Servers.Imap;
using Protocols.Tests.Support;

namespace Protocols.Tests.Imap;

public class MessageStructureTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(Repository.Root, "fixtures", "mail", name));

    private static string Section(byte[] raw, string spec)
    {
        Assert.That(FetchItem.TryParseSection(spec, out var section, out var error), Is.True, error);
        var info = MessageInfo.Build(raw);
        Assert.That(SectionLocator.TryLocate(info.Tree, section, out var start, out var length), Is.True, spec);
        return Encoding.UTF8.GetString(raw, (int)start, (int)length);
    }

    [Test]
    public void Nested_parts_are_cut_at_their_boundaries()
    {
        var raw = Fixture("nested.eml");
        var info = MessageInfo.Build(raw);
        TestContext.Out.WriteLine(Encoding.UTF8.GetString(info.BodyStructure));
        Assert.That(Section(raw, "1.1"), Is.EqualTo("Your order #1234 has shipped.\r\nTrack it at https://shop.example/track/1234\r\n"));
        Assert.That(Section(raw, "1.2.1"), Is.EqualTo("<html><body><p>Your order <b>#1234</b> has shipped.</p><img src=\"cid:logo@shop.example\"></body></html>"));
        Assert.That(Section(raw, "1.1.MIME"), Is.EqualTo("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"));
        Assert.That(Section(raw, "2"), Is.EqualTo("JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKdHJhaWxl\r\ncgo8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo="));
        Assert.That(Section(raw, "HEADER"), Does.StartWith("From: Newsletter").And.EndWith("boundary=\"outer-boundary\"\r\n\r\n"));
        Assert.That(Section(raw, "TEXT"), Does.StartWith("This is a multi-part").And.EndWith("ignored by mail readers.\r\n"));
        Assert.That(Section(raw, ""), Is.EqualTo(Encoding.UTF8.GetString(raw)));
    }
}
