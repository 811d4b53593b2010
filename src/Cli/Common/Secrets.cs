using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Protocols.Cli.Common;

/// <summary>
/// The one place a message is cleaned of secrets before it is printed: the password of any <c>scheme://user:password@</c>
/// URL becomes <c>***</c>, and every password given on the command line (<c>--password</c>, a URL's) is replaced
/// wherever it appears as a word.
/// </summary>
internal static partial class Secrets
{
    private static readonly ConcurrentDictionary<string, byte> Known = new(StringComparer.Ordinal);

    /// <summary>Remembers the passwords among the arguments: the value of <c>--password</c> and the password of a URL.</summary>
    public static void RememberFrom(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--password" && i + 1 < args.Count) Remember(args[i + 1]);
            else if (arg.StartsWith("--password=", StringComparison.Ordinal)) Remember(arg["--password=".Length..]);
            else if (arg.Contains("://", StringComparison.Ordinal) && arg.Contains('@')) RememberUrlPassword(arg);
        }
    }

    /// <summary>Apart, so that a command line without a URL password never loads the regular-expression engine.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RememberUrlPassword(string arg)
    {
        if (UrlPassword().Match(arg) is not { Success: true } m) return;
        Remember(m.Groups["password"].Value);
        Remember(Uri.UnescapeDataString(m.Groups["password"].Value));
    }

    public static void Remember(string? secret)
    {
        if (!string.IsNullOrEmpty(secret)) Known[secret] = 0;
    }

    /// <summary>The text with URL passwords and remembered secrets replaced by <c>***</c>.</summary>
    public static string Redact(string text)
    {
        var result = UrlPassword().Replace(text, m => $"{m.Groups["head"].Value}:***@");
        foreach (var secret in Known.Keys)
        {
            if (!result.Contains(secret, StringComparison.Ordinal)) continue;
            result = Regex.Replace(result, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(secret)}(?![\p{{L}}\p{{N}}])", "***", RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        return result;
    }

    [GeneratedRegex(@"(?<head>[A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*):(?<password>[^@/\s]*)@")]
    private static partial Regex UrlPassword();
}
