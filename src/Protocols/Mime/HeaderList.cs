using System.Collections;

namespace Protocols.Mime;

/// <summary>Header fields in order; lookups by name are case-insensitive.</summary>
public sealed class HeaderList : IReadOnlyList<Header>
{
    private readonly List<Header> headers = [];

    public int Count => headers.Count;

    public Header this[int index] => headers[index];

    /// <summary>
    /// The value of the first header with this name, or null. Setting replaces the first one's value and removes the
    /// others (null removes them all); text for an unstructured header is RFC 2047-encoded when it needs to be.
    /// </summary>
    public string? this[string name]
    {
        get => Find(name)?.Value;
        set
        {
            if (value is null)
            {
                Remove(name);
                return;
            }

            var index = headers.FindIndex(h => Is(h, name));
            if (index < 0)
            {
                Add(name, value);
                return;
            }

            headers[index].Value = Prepare(name, value);
            for (var i = headers.Count - 1; i > index; i--)
            {
                if (Is(headers[i], name))
                {
                    headers.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Appends a header; text for an unstructured header is RFC 2047-encoded when it needs to be.</summary>
    public void Add(string name, string value) => headers.Add(new Header(name, Prepare(name, value)));

    public void Add(Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        headers.Add(header);
    }

    public void Insert(int index, Header header)
    {
        ArgumentNullException.ThrowIfNull(header);
        headers.Insert(index, header);
    }

    internal bool ContainsInstance(Header header) => headers.Contains(header);

    public Header? Find(string name) => headers.Find(h => Is(h, name));

    public IEnumerable<Header> FindAll(string name) => headers.Where(h => Is(h, name));

    public bool Contains(string name) => headers.Exists(h => Is(h, name));

    /// <summary>Removes every header with this name; returns how many.</summary>
    public int Remove(string name) => headers.RemoveAll(h => Is(h, name));

    public bool Remove(Header header) => headers.Remove(header);

    public void Clear() => headers.Clear();

    public IEnumerator<Header> GetEnumerator() => headers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static bool Is(Header header, string name) => string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase);

    private static string Prepare(string name, string value)
    {
        Header.ValidateName(name);
        Header.ValidateValue(value);
        if (Header.IsStructured(name))
        {
            return value;
        }

        var needs = EncodedWords.NeedsEncoding(value) || value.Split(' ', '\t').Any(w => w.Length > 900);
        return needs ? EncodedWords.EncodeUnstructured(value, name.Length + 2) : value;
    }
}
