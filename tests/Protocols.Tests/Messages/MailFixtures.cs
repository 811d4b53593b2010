namespace Protocols.Tests.Messages;

/// <summary>Finds fixtures/mail by walking up from the test output directory.</summary>
internal static class MailFixtures
{
    private static readonly Lazy<string> Directory = new(Find);

    public static string Path(string name) => System.IO.Path.Combine(Directory.Value, name);

    public static byte[] Read(string name) => File.ReadAllBytes(Path(name));

    public static IEnumerable<string> All() =>
        System.IO.Directory.GetFiles(Directory.Value, "*.eml").Select(System.IO.Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal)!;

    private static string Find()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "fixtures", "mail");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("fixtures/mail not found above " + TestContext.CurrentContext.TestDirectory);
    }
}
