using System.Globalization;

namespace Protocols.Tests.Hardening;

/// <summary>
/// One row of the hardening table per check: what was tried, how many, how many were lost, how long it took.
/// Written to the test output, and appended (tab-separated) to the file named by <c>PROTOCOLS_HARDENING_REPORT</c>
/// when set; <c>scripts/hardening-report.sh</c> sets it and prints the table.
/// </summary>
internal static class HardeningReport
{
    private static readonly Lock Gate = new();

    /// <summary>Kinds of rows: the table's first column.</summary>
    public const string BadInput = "bad input", Load = "load", Fault = "fault", Attack = "attack";

    /// <remarks>
    /// <paramref name="escapes"/> (bytes from outside a served root, or a request that reached what it must not) and
    /// <paramref name="leaks"/> (names or data shown that must not be) are given by the attack checks that count them;
    /// the script fails the run when either is not 0.
    /// </remarks>
    public static void Row(string kind, string check, long count, long lost, TimeSpan elapsed, string note = "", long? escapes = null, long? leaks = null)
    {
        var line = string.Join('\t', kind, check, count.ToString(CultureInfo.InvariantCulture),
            lost.ToString(CultureInfo.InvariantCulture), elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), note.Replace('\t', ' '),
            escapes?.ToString(CultureInfo.InvariantCulture) ?? "", leaks?.ToString(CultureInfo.InvariantCulture) ?? "");
        TestContext.Out.WriteLine($"report: {line.Replace('\t', '|')}");
        if (Environment.GetEnvironmentVariable("PROTOCOLS_HARDENING_REPORT") is { Length: > 0 } path)
            lock (Gate) File.AppendAllText(path, line + "\n");
    }

    /// <summary>An integer from the environment (the report script sets larger counts), else the default.</summary>
    public static int Count(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}
