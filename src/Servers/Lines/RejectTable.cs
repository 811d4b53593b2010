using System.Runtime.CompilerServices;

namespace Protocols.Servers.Lines;

/// <summary>
/// One reply of a reject table: the code (a number even where the wire has none: POP3 and IMAP use it to say
/// "refused"), an enhanced status code (RFC 3463) or null, the text, whether the session ends after it, and the
/// short token used as the log event's reason and the metric tag.
/// </summary>
public sealed record RejectEntry(int Code, string? Enhanced, string Text, bool Closes, string Tag);

/// <summary>
/// A protocol's reject reasons (an enum), mapped in one table to the reply, the log reason and the metric tag
/// (Kestrel's <c>RequestRejectionReason</c>), plus the kernel's own refusals (<see cref="LineReject"/>): each either
/// given its own reply (<see cref="Set(LineReject, int, string?, string, bool, string?)"/>) or mapped onto one of the
/// protocol's reasons (<see cref="Map"/>, when the protocol has a public enum that already names it). Built once per
/// protocol; every reason and every <see cref="LineReject"/> must have a reply.
/// </summary>
public sealed class RejectTable<TReason>
    where TReason : struct, Enum
{
    private readonly RejectEntry?[] _entries = new RejectEntry?[Enum.GetValues<TReason>().Length];
    private readonly RejectEntry?[] _standard = new RejectEntry?[Enum.GetValues<LineReject>().Length];
    private readonly TReason?[] _mapped = new TReason?[Enum.GetValues<LineReject>().Length];
    private bool _sealed;

    /// <summary>Sets the reply of <paramref name="reason"/>; the tag defaults to the reason's name in kebab case.</summary>
    public RejectTable<TReason> Set(TReason reason, int code, string? enhanced, string text, bool closes = false, string? tag = null)
    {
        if (_sealed) throw new InvalidOperationException("the table is sealed");
        _entries[Index(reason)] = new RejectEntry(code, enhanced, text, closes, tag ?? Kebab(reason.ToString()));
        return this;
    }

    /// <summary>Sets the reply of the kernel's <paramref name="standard"/> refusal; the tag defaults to its name in kebab case.</summary>
    public RejectTable<TReason> Set(LineReject standard, int code, string? enhanced, string text, bool closes = false, string? tag = null)
    {
        if (_sealed) throw new InvalidOperationException("the table is sealed");
        _standard[(int)standard] = new RejectEntry(code, enhanced, text, closes, tag ?? Kebab(standard.ToString()));
        return this;
    }

    /// <summary>Says which protocol reason the kernel's <paramref name="standard"/> refusal is (it then has that reason's reply).</summary>
    public RejectTable<TReason> Map(LineReject standard, TReason reason)
    {
        if (_sealed) throw new InvalidOperationException("the table is sealed");
        _mapped[(int)standard] = reason;
        return this;
    }

    /// <summary>Checks that every reason has a reply and every kernel refusal a reason; no change after.</summary>
    public RejectTable<TReason> Seal()
    {
        foreach (var reason in Enum.GetValues<TReason>())
        {
            if (_entries[Index(reason)] is null) throw new InvalidOperationException($"no reply for {reason}");
        }
        foreach (var standard in Enum.GetValues<LineReject>())
        {
            if (_mapped[(int)standard] is { } reason) _standard[(int)standard] = _entries[Index(reason)];
            if (_standard[(int)standard] is null) throw new InvalidOperationException($"no reply for {standard}");
        }
        _sealed = true;
        return this;
    }

    /// <summary>The reply of <paramref name="reason"/>.</summary>
    public RejectEntry this[TReason reason] => _entries[Index(reason)]!;

    /// <summary>The reply of a kernel refusal.</summary>
    public RejectEntry this[LineReject reject] => _standard[(int)reject]!;

    /// <summary>The protocol reason a kernel refusal was mapped onto, if it was.</summary>
    public TReason? MappedReason(LineReject reject) => _mapped[(int)reject];

    private static int Index(TReason reason) => Unsafe.SizeOf<TReason>() == sizeof(int)
        ? Unsafe.As<TReason, int>(ref reason)
        : Convert.ToInt32(reason, System.Globalization.CultureInfo.InvariantCulture);

    private static string Kebab(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) builder.Append('-');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }
}
