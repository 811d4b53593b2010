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
/// (Kestrel's <c>RequestRejectionReason</c>), plus the kernel's own refusals (<see cref="LineReject"/>) mapped onto them.
/// Built once per protocol; every reason must have an entry and every <see cref="LineReject"/> a mapping.
/// </summary>
public sealed class RejectTable<TReason>
    where TReason : struct, Enum
{
    private readonly RejectEntry?[] _entries = new RejectEntry?[Enum.GetValues<TReason>().Length];
    private readonly TReason?[] _standard = new TReason?[Enum.GetValues<LineReject>().Length];
    private bool _sealed;

    /// <summary>Sets the reply of <paramref name="reason"/>; the tag defaults to the reason's name in kebab case.</summary>
    public RejectTable<TReason> Set(TReason reason, int code, string? enhanced, string text, bool closes = false, string? tag = null)
    {
        if (_sealed) throw new InvalidOperationException("the table is sealed");
        _entries[Index(reason)] = new RejectEntry(code, enhanced, text, closes, tag ?? Kebab(reason.ToString()));
        return this;
    }

    /// <summary>Says which protocol reason the kernel's <paramref name="standard"/> refusal is.</summary>
    public RejectTable<TReason> Map(LineReject standard, TReason reason)
    {
        if (_sealed) throw new InvalidOperationException("the table is sealed");
        _standard[(int)standard] = reason;
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
            if (_standard[(int)standard] is null) throw new InvalidOperationException($"no {typeof(TReason).Name} for {standard}");
        }
        _sealed = true;
        return this;
    }

    /// <summary>The reply of <paramref name="reason"/>.</summary>
    public RejectEntry this[TReason reason] => _entries[Index(reason)]!;

    /// <summary>The protocol reason of a kernel refusal.</summary>
    public TReason Standard(LineReject reject) => _standard[(int)reject]!.Value;

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
