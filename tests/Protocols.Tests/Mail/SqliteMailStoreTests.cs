using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Sqlite;

namespace Protocols.Tests.Mail;

/// <summary>The contract on SQLite, with bytes above 1 MiB in files (the default) and everything in the database.</summary>
[TestFixture(1024 * 1024)]
[TestFixture(long.MaxValue)]
public sealed class SqliteMailStoreTests(long inlineLimit) : MailStoreContract
{
    private readonly List<string> _directories = [];
    private readonly Dictionary<IMailStore, (string Dir, MailRetention Retention)> _opened = [];

    protected override async Task<IMailStore> CreateAsync(MailRetention? retention = null)
    {
        var dir = Directory.CreateTempSubdirectory("proto-store-").FullName;
        _directories.Add(dir);
        return await OpenAsync(dir, retention ?? MailRetention.None);
    }

    private async Task<IMailStore> OpenAsync(string dir, MailRetention retention)
    {
        var store = await SqliteMailStore.OpenAsync(dir, new SqliteMailStoreOptions { Retention = retention, InlineLimit = inlineLimit });
        _opened[store] = (dir, retention);
        return store;
    }

    protected override async Task<IMailStore> ReopenAsync(IMailStore store)
    {
        var (dir, retention) = _opened[store];
        await store.DisposeAsync();
        return await OpenAsync(dir, retention);
    }

    [TearDown]
    public void RemoveDirectories()
    {
        foreach (var dir in _directories) Directory.Delete(dir, recursive: true);
        _directories.Clear();
        _opened.Clear();
    }
}
