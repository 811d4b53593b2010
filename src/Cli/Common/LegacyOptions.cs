namespace Protocols.Cli.Common;

/// <summary>
/// Old option spellings, kept as hidden aliases for one release: each is rewritten to its new spelling before parsing,
/// with a one-line warning on stderr. The table is per verb (docs/cli.md lists it under "Renamed options").
/// </summary>
internal static class LegacyOptions
{
    /// <summary>(verb, old spelling, new spelling or null to drop it, note).</summary>
    private static readonly (string Verb, string Old, string? New)[] Table =
    [
        ("smtp send", "-p", "--password"),
        ("smtp serve", "--self-signed", "--tls"),
        ("http serve", "-r", "--root"),
        ("http serve", "--upload", "--write"),
        ("http serve", "--max-upload", "--max-size"),
        ("http serve", "--self-signed", "--tls"),
        ("ftp serve", "--implicit-port", "--tls-port"),
        ("ftp serve", "--implicit-tls", "--tls-port"),
        ("ftp serve", "--self-signed", "--tls"),
        ("serve", "--self-signed", "--tls"),
    ];

    /// <summary>A plain loop: LINQ over this tuple type is a generic instantiation that every start would JIT.</summary>
    private static (string Verb, string Old, string? New) Find(string verb, string name)
    {
        foreach (var entry in Table)
        {
            if (entry.Verb == verb && entry.Old == name) return entry;
        }
        return default;
    }

    /// <summary>The arguments with old spellings replaced; warns once per old spelling used.</summary>
    public static string[] Rewrite(string[] args, TextWriter stderr)
    {
        var verb = args.Length >= 2 && args[0] is "smtp" or "ftp" or "http" ? $"{args[0]} {args[1]}" : args.Length >= 1 ? args[0] : "";
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                result.AddRange(args[i..]);
                break;
            }
            var name = arg.Split('=', 2)[0];
            var entry = Find(verb, name);
            if (entry.Old is null)
            {
                result.Add(arg);
                continue;
            }
            stderr.WriteLine($"proto: warning: {entry.Old} is now {entry.New}; the old spelling goes away in the next release");
            if (entry.Old == "--implicit-tls")
            {
                // Implicit FTPS on the old default port, unless a port is given.
                if (!args.Any(a => a is "--implicit-port" or "--tls-port" || a.StartsWith("--tls-port=", StringComparison.Ordinal))) result.AddRange(["--tls-port", "9990"]);
                continue;
            }
            if (entry.New == "--tls" && (args.Contains("--tls") || result.Contains("--tls"))) continue; // --tls --self-signed: once is enough
            result.Add(arg.Contains('=', StringComparison.Ordinal) ? entry.New + arg[name.Length..] : entry.New!);
        }
        return [.. result];
    }
}
