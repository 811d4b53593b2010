using System.Collections;

namespace Protocols.Http;

/// <summary>
/// Header (or trailer) fields in the order they were added, names compared without case (RFC 9110 §5.1).
/// Names must be tokens and values may not hold CR, LF or NUL, so a field can never inject another line.
/// </summary>
public sealed class HttpFields : IEnumerable<KeyValuePair<string, string>>
{
    private static readonly List<KeyValuePair<string, string>> Empty = [];

    // Made on the first Add (most request headers and trailers stay empty), with room for what the parser counted.
    private List<KeyValuePair<string, string>>? _list;
    private readonly int _capacity;

    public HttpFields() { }

    /// <summary>Fields with room for <paramref name="capacity"/> of them.</summary>
    internal HttpFields(int capacity) => _capacity = capacity;

    private List<KeyValuePair<string, string>> Fields => _list ?? Empty;

    private List<KeyValuePair<string, string>> Writable => _list ??= new(_capacity);

    /// <summary>How many fields (a repeated name counts each time).</summary>
    public int Count => Fields.Count;

    /// <summary>Appends a field.</summary>
    public HttpFields Add(string name, string value)
    {
        CheckName(name);
        CheckValue(value);
        Writable.Add(new(name, value));
        return this;
    }

    /// <summary>Replaces every field of this name with one.</summary>
    public HttpFields Set(string name, string value)
    {
        Remove(name);
        return Add(name, value);
    }

    /// <summary>Removes every field of this name; returns whether there was one.</summary>
    public bool Remove(string name) => _list is not null && _list.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)) > 0;

    /// <summary>Whether a field of this name is present.</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The first value of this name, or null.</summary>
    public string? Get(string name) => IndexOf(name) is var i and >= 0 ? Fields[i].Value : null;

    /// <summary>The first value of this name, or null.</summary>
    public string? this[string name] => Get(name);

    /// <summary>Every value of this name, in order.</summary>
    public IEnumerable<string> GetValues(string name)
    {
        foreach (var field in Fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase)) yield return field.Value;
        }
    }

    /// <summary>Whether any value of this name, split on commas, is <paramref name="token"/> (e.g. <c>Connection: close</c>).</summary>
    public bool HasToken(string name, string token)
    {
        foreach (var field in Fields)
        {
            if (!string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var range in field.Value.AsSpan().Split(','))
            {
                if (field.Value.AsSpan(range).Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    /// <summary>The fields in order (a struct enumerator: a foreach allocates nothing).</summary>
    public List<KeyValuePair<string, string>>.Enumerator GetEnumerator() => Fields.GetEnumerator();
    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void AddUnchecked(string name, string value) => Writable.Add(new(name, value));

    internal void AppendToLast(string more)
    {
        var last = Writable[^1];
        Writable[^1] = new(last.Key, last.Value.Length == 0 ? more : last.Value + " " + more);
    }

    private int IndexOf(string name)
    {
        var fields = Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            if (string.Equals(fields[i].Key, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (c > 127 || !HttpSyntax.IsTokenChar((byte)c)) throw new ArgumentException($"'{name}' is not a valid field name", nameof(name));
        }
    }

    private static void CheckValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0) throw new ArgumentException("a field value may not hold CR, LF or NUL", nameof(value));
    }
}
