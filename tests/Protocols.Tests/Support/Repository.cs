namespace Protocols.Tests.Support;

/// <summary>Where the repository is, seen from the test output folder.</summary>
internal static class Repository
{
    /// <summary>The folder holding <c>Protocols.sln</c>.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Protocols.sln"))) dir = dir.Parent;
            if (dir is null) Assert.Fail("Protocols.sln not found above the test directory");
            return dir!.FullName;
        }
    }
}
