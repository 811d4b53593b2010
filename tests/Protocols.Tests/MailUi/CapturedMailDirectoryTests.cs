using Protocols.Servers.MailUi;

namespace Protocols.Tests.MailUi;

public class CapturedMailDirectoryTests
{
    [Test]
    public async Task Loads_only_files_named_like_ids_within_the_size_limit_and_deletes_only_those()
    {
        var dir = Directory.CreateTempSubdirectory("proto-store-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "20260101-1.eml"), "Subject: kept\r\n\r\nx\r\n");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "mine with spaces.eml"), "Subject: not ours\r\n\r\nx\r\n");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "notes.txt"), "not mail");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "big-1.eml"), "Subject: " + new string('x', 100) + "\r\n\r\n");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "limit-1.eml"), new string('y', 40));
            var capture = new CapturedMailStore();
            using var sync = new CapturedMailDirectory(capture, dir.FullName) { MaxFileSize = 40 };
            Assert.That(await sync.LoadAsync(), Is.EqualTo(2));
            Assert.That((await capture.ListAsync()).Select(m => m.Id), Is.EquivalentTo(new[] { "20260101-1", "limit-1" }));
            await capture.ClearAsync();
            Assert.That(Directory.GetFiles(dir.FullName).Select(Path.GetFileName),
                Is.EquivalentTo(new[] { "mine with spaces.eml", "notes.txt", "big-1.eml" }));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
