using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;

namespace Protocols.Tests.Hardening;

/// <summary>
/// Property-based mutation fuzzing: FsCheck picks a seed input and a list of mutations (flip, insert a token that
/// parsers care about, delete, duplicate, truncate), runs the target, and shrinks any failure to a small case.
/// The invariant is the same for every parser: only the typed errors it may throw, within a time bound.
/// The number of cases is <c>PROTOCOLS_FUZZ_CASES</c> (default 1500 in the test suite; the hardening script sets more).
/// </summary>
internal static class Fuzz
{
    private static readonly byte[][] Tokens =
    [
        "\r"u8.ToArray(), "\n"u8.ToArray(), "\r\n"u8.ToArray(), "."u8.ToArray(), "\r\n.\r\n"u8.ToArray(), "\n.\n"u8.ToArray(),
        [0], [0xFF], [0xC3], "-"u8.ToArray(), " "u8.ToArray(), ":"u8.ToArray(), "=?"u8.ToArray(), "?="u8.ToArray(),
        "--"u8.ToArray(), "\""u8.ToArray(), "<"u8.ToArray(), ">"u8.ToArray(), "999"u8.ToArray(), "0"u8.ToArray(),
        "ffffffffffffffff"u8.ToArray(), "\t"u8.ToArray(), "%"u8.ToArray(), "../"u8.ToArray(),
    ];

    public static int Cases => int.TryParse(Environment.GetEnvironmentVariable("PROTOCOLS_FUZZ_CASES"), out var n) && n > 0 ? n : 1500;

    public sealed record FuzzCase(int Seed, Mutation[] Mutations)
    {
        public override string ToString() => $"seed {Seed}, {Mutations.Length} mutations";
    }

    /// <summary>One mutation: kind, position (as a fraction of the length), and a parameter.</summary>
    public readonly record struct Mutation(byte Kind, ushort Where, ushort Parameter)
    {
        public byte[] Apply(byte[] input)
        {
            var at = input.Length == 0 ? 0 : Where % (input.Length + 1);
            switch (Kind % 6)
            {
                case 0 when input.Length > 0: // flip a byte
                    var flipped = (byte[])input.Clone();
                    flipped[Math.Min(at, input.Length - 1)] ^= (byte)(1 << (Parameter % 8));
                    return flipped;
                case 1: // insert a token
                    return [.. input[..at], .. Tokens[Parameter % Tokens.Length], .. input[at..]];
                case 2: // delete a run
                    var end = Math.Min(input.Length, at + 1 + Parameter % 16);
                    return [.. input[..at], .. input[end..]];
                case 3: // duplicate a run
                    var stop = Math.Min(input.Length, at + 1 + Parameter % 64);
                    return [.. input[..stop], .. input[at..stop], .. input[stop..]];
                case 4: // truncate
                    return input[..at];
                default: // a long run of one byte, to push limits
                    return [.. input[..at], .. Enumerable.Repeat((byte)(Parameter % 2 == 0 ? 'a' : '\r'), 1 + Parameter % 4096), .. input[at..]];
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="target"/> on mutated seeds; any exception that <paramref name="allowed"/> refuses, or a
    /// case that takes longer than <paramref name="perCase"/>, fails with the shrunk input in hex.
    /// </summary>
    public static void Check(string name, IReadOnlyList<byte[]> seeds, Func<byte[], Task> target, Func<Exception, bool> allowed, TimeSpan? perCase = null)
    {
        if (seeds.Count == 0) Assert.Fail($"{name}: no seeds");
        var limit = perCase ?? TimeSpan.FromSeconds(5);
        var mutation =
            from kind in Gen.Choose(0, 255)
            from position in Gen.Choose(0, 65535)
            from parameter in Gen.Choose(0, 65535)
            select new Mutation((byte)kind, (ushort)position, (ushort)parameter);
        var cases =
            from seed in Gen.Choose(0, seeds.Count - 1)
            from mutations in Gen.ListOf(mutation)
            select new FuzzCase(seed, mutations.Take(8).ToArray());
        var ran = 0;
        var watch = Stopwatch.StartNew();
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var input = c.Mutations.Aggregate(seeds[c.Seed], (bytes, m) => m.Apply(bytes));
            ran++;
            string? failure = null;
            try
            {
                var task = target(input);
                if (!task.Wait(limit)) failure = $"no answer within {limit.TotalSeconds} s (a hang)";
            }
            catch (AggregateException e) when (e.InnerException is { } inner)
            {
                if (!allowed(inner)) failure = $"{inner.GetType().Name}: {inner.Message}";
            }
            catch (Exception e)
            {
                if (!allowed(e)) failure = $"{e.GetType().Name}: {e.Message}";
            }
            return (failure is null).Label($"{name}: {failure} on input {Convert.ToHexString(input[..Math.Min(input.Length, 512)])}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true));
        TestContext.Out.WriteLine($"{name}: {ran} cases in {watch.Elapsed.TotalSeconds:0.0} s, only typed errors");
        HardeningReport.Row(HardeningReport.BadInput, name, ran, 0, watch.Elapsed, "mutated inputs, only typed errors, no hang");
    }
}
