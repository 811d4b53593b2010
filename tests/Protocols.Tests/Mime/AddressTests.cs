using Protocols.Mime;

namespace Protocols.Tests.Mime;

public class AddressTests
{
    [TestCase("a@b.example", null, "a@b.example")]
    [TestCase("Alice <alice@example.org>", "Alice", "alice@example.org")]
    [TestCase("\"Doe, John\" <john@example.org>", "Doe, John", "john@example.org")]
    [TestCase("john@example.org (John Doe)", "John Doe", "john@example.org")]
    [TestCase("John Q. Public <jqp@example.org>", "John Q. Public", "jqp@example.org")]
    [TestCase("=?utf-8?q?J=C3=B6rg?= <j@example.de>", "Jörg", "j@example.de")]
    [TestCase("\"=?utf-8?q?J=C3=B6rg?=\" <j@example.de>", "Jörg", "j@example.de")]
    [TestCase("<@relay.example:user@example.org>", null, "user@example.org")]
    [TestCase("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "Pete", "pete@silly.test")]
    [TestCase("\"quoted local\"@example.org", null, "\"quoted local\"@example.org")]
    [TestCase("user@[192.0.2.1]", null, "user@[192.0.2.1]")]
    [TestCase("Jörg <jörg@bücher.example>", "Jörg", "jörg@bücher.example")]
    public void Parses_a_mailbox(string text, string? name, string address)
    {
        var mailbox = MailboxAddress.Parse(text);
        Assert.That(mailbox.Name, Is.EqualTo(name));
        Assert.That(mailbox.Address, Is.EqualTo(address));
    }

    [TestCase("")]
    [TestCase("not an address")]
    [TestCase("a@b, c@d")]
    [TestCase("<>")]
    [TestCase("@example.org")]
    public void Rejects_what_is_not_one_mailbox(string text)
    {
        Assert.That(MailboxAddress.TryParse(text, out _), Is.False);
        Assert.Throws<MimeFormatException>(() => MailboxAddress.Parse(text));
    }

    [Test]
    public void Formats_with_quoting_and_encoding()
    {
        Assert.That(new MailboxAddress("Alice", "alice@example.org").ToString(), Is.EqualTo("Alice <alice@example.org>"));
        Assert.That(new MailboxAddress("Doe, John", "j@example.org").ToString(), Is.EqualTo("\"Doe, John\" <j@example.org>"));
        Assert.That(new MailboxAddress("say \"hi\"", "j@example.org").ToString(), Is.EqualTo("\"say \\\"hi\\\"\" <j@example.org>"));
        Assert.That(new MailboxAddress(null, "j@example.org").ToString(), Is.EqualTo("j@example.org"));
        Assert.That(new MailboxAddress("Jörg", "j@example.de").ToString(), Is.EqualTo("=?utf-8?q?J=C3=B6rg?= <j@example.de>"));
        Assert.That(new MailboxAddress("Jörg", "j@example.de").ToString(allowUtf8: true), Is.EqualTo("Jörg <j@example.de>"));
        Assert.That(new MailboxAddress(null, "\"two words\"@example.org").Address, Is.EqualTo("\"two words\"@example.org"));
        Assert.That(new MailboxAddress(null, "\"two words\"@example.org").LocalPart, Is.EqualTo("two words"));
    }

    [Test]
    public void International_addresses_are_flagged()
    {
        Assert.That(new MailboxAddress(null, "jörg@example.de").IsInternational, Is.True);
        Assert.That(new MailboxAddress(null, "j@bücher.example").IsInternational, Is.True);
        Assert.That(new MailboxAddress("Jörg", "j@example.de").IsInternational, Is.False, "a UTF-8 name can be encoded");
    }

    [TestCase("bad\r\n@example.org")]
    [TestCase("no-at-sign")]
    [TestCase("trailing@")]
    public void Constructor_rejects_bad_addresses(string address) =>
        Assert.Throws<ArgumentException>(() => _ = new MailboxAddress(null, address));

    [Test]
    public void Name_with_newline_is_rejected() =>
        Assert.Throws<ArgumentException>(() => _ = new MailboxAddress("evil\r\nBcc: x@y", "a@b.example"));

    [Test]
    public void Address_lists_with_groups_and_comments()
    {
        var list = AddressList.Parse("Team: a@x.example, \"B\" <b@x.example>;, c@y.example (C), undisclosed-recipients:;, <d@z.example>");
        Assert.That(list.Select(m => m.Address), Is.EqualTo(new[] { "a@x.example", "b@x.example", "c@y.example", "d@z.example" }));
        Assert.That(list[2].Name, Is.EqualTo("C"));
    }

    [Test]
    public void Address_list_skips_garbage_and_never_throws()
    {
        var list = AddressList.Parse("a@x.example, ,,, <<>>, \"unterminated, b@y.example");
        Assert.That(list.Select(m => m.Address), Is.EqualTo(new[] { "a@x.example" }));
        Assert.That(AddressList.Parse(""), Is.Empty);
        Assert.That(AddressList.Parse(new string('(', 5000)), Is.Empty);
        Assert.That(AddressList.Parse("a@b.example c@d.example").Count, Is.EqualTo(2), "a missing comma is tolerated");
    }

    [Test]
    public void Address_list_round_trips()
    {
        var list = new AddressList { new MailboxAddress("Doe, John", "j@example.org"), new MailboxAddress("Zoë", "z@example.org"), new MailboxAddress(null, "x@example.org") };
        var parsed = AddressList.Parse(list.ToString());
        Assert.That(parsed, Is.EqualTo(list));
    }
}
