using System.Collections;
using System.Security.Cryptography;

namespace Protocols.Mime;

/// <summary>A multipart entity (RFC 2046 §5.1): mixed, alternative, related, ... holding child entities.</summary>
public sealed class Multipart : MimeEntity, IList<MimeEntity>
{
    private readonly List<MimeEntity> children = [];

    /// <summary>A multipart of the given subtype ("mixed", "alternative", "related") with a fresh boundary.</summary>
    public Multipart(string subtype = "mixed")
        : base(new ContentType("multipart", subtype))
    {
        ContentType.Boundary = CreateBoundary();
    }

    internal Multipart(ContentType contentType)
        : base(contentType)
    {
    }

    public string Boundary
    {
        get => ContentType.Boundary ?? string.Empty;
        set => ContentType.Boundary = value;
    }

    /// <summary>Text before the first boundary, or null.</summary>
    public string? Preamble { get; set; }

    /// <summary>Text after the closing boundary, or null.</summary>
    public string? Epilogue { get; set; }

    /// <summary>True when the parsed multipart had no closing boundary.</summary>
    public bool IsTruncated { get; internal set; }

    public int Count => children.Count;

    public bool IsReadOnly => false;

    public MimeEntity this[int index]
    {
        get => children[index];
        set => children[index] = value ?? throw new ArgumentNullException(nameof(value));
    }

    public void Add(MimeEntity item)
    {
        ArgumentNullException.ThrowIfNull(item);
        children.Add(item);
    }

    public void Clear() => children.Clear();

    public bool Contains(MimeEntity item) => children.Contains(item);

    public void CopyTo(MimeEntity[] array, int arrayIndex) => children.CopyTo(array, arrayIndex);

    public IEnumerator<MimeEntity> GetEnumerator() => children.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(MimeEntity item) => children.IndexOf(item);

    public void Insert(int index, MimeEntity item)
    {
        ArgumentNullException.ThrowIfNull(item);
        children.Insert(index, item);
    }

    public bool Remove(MimeEntity item) => children.Remove(item);

    public void RemoveAt(int index) => children.RemoveAt(index);

    public override IEnumerable<MimeEntity> Descendants()
    {
        yield return this;
        foreach (var child in children)
        {
            foreach (var entity in child.Descendants())
            {
                yield return entity;
            }
        }
    }

    internal override void SyncHeaders()
    {
        if (string.IsNullOrEmpty(ContentType.Boundary))
        {
            ContentType.Boundary = CreateBoundary();
        }

        base.SyncHeaders();
    }

    /// <summary>A random boundary: "=_" cannot occur in base64 or quoted-printable text (RFC 2045 §6.7).</summary>
    internal static string CreateBoundary() => "=_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
