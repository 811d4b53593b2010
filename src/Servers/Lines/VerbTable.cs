using System.Runtime.CompilerServices;

namespace Protocols.Servers.Lines;

/// <summary>
/// A protocol's command table: verb -> states it is allowed in, argument rule, handler, next state, flags (Dovecot's
/// <c>imap-commands.c</c> registry; cosullivan's <c>SmtpStateTable</c>). One dispatcher (the session loop) enforces it.
/// Built once per protocol (a static), then only read. Verbs are matched case-insensitively on the bytes, without
/// allocating: up to 16 ASCII letters, digits or '-'.
/// </summary>
public sealed class VerbTable<TSession, TState>
    where TState : struct, Enum
{
    private readonly Dictionary<UInt128, Verb<TSession>> _verbs = [];
    private readonly List<Verb<TSession>> _list = [];

    public VerbTable()
    {
        if (Unsafe.SizeOf<TState>() != sizeof(int)) throw new ArgumentException("the state enum must be int-sized");
    }

    /// <summary>The verbs in the order they were added.</summary>
    public IReadOnlyList<Verb<TSession>> Verbs => _list;

    /// <summary>Verb ids run from 1 to this count; 0 is an unknown verb.</summary>
    public int Count => _list.Count;

    /// <summary>Adds a verb. <paramref name="next"/>: the state after an accepted command (null: the handler decides).</summary>
    public VerbTable<TSession, TState> Add(string name, TState states, VerbHandler<TSession> handler, ArgumentRule argument = ArgumentRule.Any,
        TState? next = null, VerbFlags flags = VerbFlags.None, PayloadRule<TSession>? payload = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        var upper = name.ToUpperInvariant();
        if (!TryKey(System.Text.Encoding.ASCII.GetBytes(upper), out var key)) throw new ArgumentException($"'{name}' is not a verb (1-16 letters, digits or '-')", nameof(name));
        var nextState = next is { } n ? Mask(n) : -1;
        var verb = new Verb<TSession>(upper, _list.Count + 1, Mask(states), argument, handler, nextState, flags, payload);
        if (!_verbs.TryAdd(key, verb)) throw new ArgumentException($"'{name}' is already in the table", nameof(name));
        _list.Add(verb);
        return this;
    }

    /// <summary>The verb spelled by <paramref name="name"/> (any case), or null.</summary>
    public Verb<TSession>? Find(ReadOnlySpan<byte> name) =>
        TryKey(name, out var key) && _verbs.TryGetValue(key, out var verb) ? verb : null;

    /// <summary>The state as the bit the table uses.</summary>
    public static int Mask(TState state) => Unsafe.As<TState, int>(ref state);

    private static bool TryKey(ReadOnlySpan<byte> name, out UInt128 key)
    {
        key = 0;
        if (name.IsEmpty || name.Length > 16) return false;
        foreach (var b in name)
        {
            var c = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
            if (!(c is >= (byte)'A' and <= (byte)'Z' || c is >= (byte)'0' and <= (byte)'9' || c == (byte)'-')) return false;
            key = (key << 8) | c;
        }
        return true;
    }
}
