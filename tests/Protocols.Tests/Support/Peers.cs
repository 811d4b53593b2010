namespace Protocols.Tests.Support;

/// <summary>Finds the real peers interop tests run against. A missing peer fails the test; it never skips.</summary>
internal static class Peers
{
    /// <summary>Debian's own python3, where the Debian Python modules (aiosmtpd, pyftpdlib) load.</summary>
    public const string Python = "/usr/bin/python3";

    public static string Require(string path)
    {
        if (Path.IsPathRooted(path))
        {
            if (!File.Exists(path)) Assert.Fail($"peer {path} is missing: run ./test.sh, which installs it");
            return path;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, path);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin" })
        {
            var candidate = Path.Combine(dir, path);
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail($"peer {path} is missing: run ./test.sh, which installs it");
        return path;
    }
}
