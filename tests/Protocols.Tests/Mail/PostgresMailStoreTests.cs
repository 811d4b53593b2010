using Protocols.Servers.Mail;
using Protocols.Servers.Mail.Postgres;

namespace Protocols.Tests.Mail;

/// <summary>The contract on a real PostgreSQL, plus what only a shared store does: two instances on one database.</summary>
[Category("Postgres")]
public sealed class PostgresMailStoreTests : MailStoreContract
{
    private PostgresServer? _server;
    private readonly Dictionary<IMailStore, (string ConnectionString, MailRetention Retention)> _opened = [];

    [OneTimeSetUp]
    public async Task StartServer() => _server = await PostgresServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [TearDown]
    public void Forget() => _opened.Clear();

    protected override async Task<IMailStore> CreateAsync(MailRetention? retention = null) =>
        await OpenAsync(await _server!.CreateDatabaseAsync(), retention ?? MailRetention.None);

    private async Task<IMailStore> OpenAsync(string connectionString, MailRetention retention)
    {
        var store = await MailStores.OpenAsync(connectionString, retention);
        Assert.That(store, Is.InstanceOf<PostgresMailStore>());
        _opened[store] = (connectionString, retention);
        return store;
    }

    protected override async Task<IMailStore> ReopenAsync(IMailStore store)
    {
        var (connectionString, retention) = _opened[store];
        await store.DisposeAsync();
        return await OpenAsync(connectionString, retention);
    }

    [Test]
    public async Task Two_instances_share_one_capture_with_ascending_uids_and_hear_each_others_changes()
    {
        var connectionString = await _server!.CreateDatabaseAsync();
        await using var a = await OpenAsync(connectionString, MailRetention.None);
        await using var b = await OpenAsync(connectionString, MailRetention.None);
        var heard = new TaskCompletionSource<MailChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Changed += (_, e) => { if (e.Kind == MailChangeKind.Added && e.Id == "from-a") heard.TrySetResult(e); };
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? a : b).AppendAsync(Mail($"shared {i}") with { Id = $"m{i}" }))));
        Assert.That(results.Select(r => r.Uid).Distinct().Count(), Is.EqualTo(100));
        Assert.That((await a.ListAsync(new MailQuery())).Total, Is.EqualTo(100));
        Assert.That((await b.ListAsync(new MailQuery("subject:\"shared 42\""))).Matched, Is.EqualTo(1));
        await a.AppendAsync(Mail("from a") with { Id = "from-a" });
        var change = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(change.Summary?.Subject, Is.EqualTo("from a"));
        Assert.That(await b.WaitForAsync("subject:\"from a\"", TimeSpan.FromSeconds(5)), Is.Not.Null);
    }

    [Test]
    public async Task A_word_in_more_messages_than_the_index_sorts_pages_by_walking_the_uids_back_and_one_in_few_from_the_index()
    {
        await using var store = await CreateAsync();
        var many = PostgresDialect.FewWords + 100;
        await Task.WhenAll(Enumerable.Range(0, many).Select(i => store.AppendAsync(Mail(i % 100 == 0 ? "common rare" : "common")).AsTask()));
        List<long> seen = [];
        string? cursor = null;
        do
        {
            var page = await store.ListAsync(new MailQuery("common", Cursor: cursor, Limit: 500));
            Assert.That(page.Matched, Is.EqualTo(many));
            seen.AddRange(page.Messages.Select(m => m.Uid));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.That(seen, Has.Count.EqualTo(many).And.Ordered.Descending.And.Unique);
        var rare = await store.ListAsync(new MailQuery("rare", Limit: 5));
        Assert.That((rare.Matched, rare.Messages.Count), Is.EqualTo((many / 100L, 5)));
        var rest = await store.ListAsync(new MailQuery("rare", Cursor: rare.NextCursor, Limit: 100));
        Assert.That(rest.Messages.Select(m => m.Uid).ToList(), Has.Count.EqualTo(many / 100 - 5).And.All.LessThan(rare.Messages[^1].Uid));
    }

    [Test]
    public async Task A_server_that_is_not_there_is_a_one_line_error_without_the_password()
    {
        var e = await Assert.ThrowsAsync<MailStoreException>(async () =>
            await MailStores.OpenAsync("postgres://proto:secret-word@127.0.0.1:1/mail"));
        Assert.That(e!.Message, Does.Contain("postgres://proto@127.0.0.1:1/mail"));
        Assert.That(e.Message, Does.Not.Contain("secret-word"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }
}
