using System.Collections.ObjectModel;

namespace Protocols.Mime;

/// <summary>
/// The mailboxes of an address header (From, To, Cc, ...). Parsing flattens groups ("team: a@x, b@y;") into their
/// mailboxes, ignores comments and skips entries that are not addresses.
/// </summary>
public sealed class AddressList : Collection<MailboxAddress>
{
    public AddressList()
    {
    }

    public AddressList(IEnumerable<MailboxAddress> mailboxes)
    {
        ArgumentNullException.ThrowIfNull(mailboxes);
        foreach (var mailbox in mailboxes)
        {
            Add(mailbox);
        }
    }

    /// <summary>Incremented on every change; lets the message know when its header must be rewritten.</summary>
    internal int Version { get; private set; }

    /// <summary>Adds a mailbox from a display name and an address.</summary>
    public void Add(string? name, string address) => Add(new MailboxAddress(name, address));

    /// <summary>Adds every mailbox parsed from an address header value.</summary>
    public void AddRange(string value)
    {
        foreach (var mailbox in Parse(value))
        {
            Add(mailbox);
        }
    }

    /// <summary>Parses an address header value best-effort. Never throws.</summary>
    public static AddressList Parse(string? value) => value is null ? [] : new AddressList(AddressParser.Parse(value, out _));

    /// <summary>True when any address needs SMTPUTF8.</summary>
    public bool IsInternational => this.Any(m => m.IsInternational);

    /// <summary>The header value, mailboxes joined by ", ".</summary>
    public override string ToString() => string.Join(", ", this.Select(m => m.ToString()));

    public string ToString(bool allowUtf8) => string.Join(", ", this.Select(m => m.ToString(allowUtf8)));

    protected override void InsertItem(int index, MailboxAddress item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
        Version++;
    }

    protected override void SetItem(int index, MailboxAddress item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
        Version++;
    }

    protected override void RemoveItem(int index)
    {
        base.RemoveItem(index);
        Version++;
    }

    protected override void ClearItems()
    {
        base.ClearItems();
        Version++;
    }
}
