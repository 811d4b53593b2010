using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Protocols.Benchmarks.Mime;

/// <summary>
/// MimeKit's parser (our only one since Protocols.Mime was removed; the last side-by-side rows are in README's MIME
/// section) on the fixture corpus (fixtures/mail, every file) and on a message with a 2 MB base64
/// attachment: the whole message (default and persistent mode, where parts point into the input instead of being
/// copied), the attachment decoded, and the top-level headers only (what a summary needs).
/// Run: dotnet run -c Release -- --filter *MimeParsingBenchmarks*
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcess))]
public class MimeParsingBenchmarks
{
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    private byte[][] corpus = [];
    private byte[] large = [];

    [GlobalSetup]
    public void Setup()
    {
        corpus = [.. Directory.GetFiles(FixtureDirectory(), "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        var attachment = new byte[2_000_000];
        new Random(42).NextBytes(attachment);
        var builder = new MimeKit.BodyBuilder { TextBody = "Hello,\nthe report is attached.\n", HtmlBody = "<p>Hello,</p><p>the report is attached.</p>" };
        builder.Attachments.Add("report.bin", attachment, new MimeKit.ContentType("application", "octet-stream"));
        var message = new MimeKit.MimeMessage { Subject = "Quarterly report" };
        message.From.Add(new MimeKit.MailboxAddress("Bench Sender", "sender@example.org"));
        message.To.Add(new MimeKit.MailboxAddress("Bench Recipient", "to@example.net"));
        message.Body = builder.ToMessageBody();
        using var output = new MemoryStream();
        var format = MimeKit.FormatOptions.Default.Clone();
        format.NewLineFormat = MimeKit.NewLineFormat.Dos;
        message.WriteTo(format, output);
        large = output.ToArray();
    }

    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "fixtures", "mail");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("fixtures/mail not found above " + AppContext.BaseDirectory);
    }

    private static MimeKit.MimeMessage MimeKitParse(byte[] raw, bool persistent)
    {
        var stream = new MemoryStream(raw, writable: false);
        return new MimeKit.MimeParser(stream, MimeKit.MimeFormat.Entity, persistent).ParseMessage();
    }

    [Benchmark]
    public int CorpusMimeKit()
    {
        var n = 0;
        foreach (var raw in corpus) n += MimeKitParse(raw, persistent: false).BodyParts.Count();
        return n;
    }

    [Benchmark]
    public int CorpusMimeKitPersistent()
    {
        var n = 0;
        foreach (var raw in corpus) n += MimeKitParse(raw, persistent: true).BodyParts.Count();
        return n;
    }

    [Benchmark]
    public int CorpusMimeKitHeadersOnly()
    {
        var n = 0;
        foreach (var raw in corpus) n += MimeKit.HeaderList.Load(new MemoryStream(raw, writable: false)).Count;
        return n;
    }

    [Benchmark]
    public int Attachment2MBMimeKit() => MimeKitParse(large, persistent: false).BodyParts.Count();

    [Benchmark]
    public int Attachment2MBMimeKitPersistent() => MimeKitParse(large, persistent: true).BodyParts.Count();

    [Benchmark]
    public long Attachment2MBMimeKitDecoded()
    {
        var message = MimeKitParse(large, persistent: true);
        using var decoded = new MemoryStream();
        ((MimeKit.MimePart)message.Attachments.Single()).Content!.DecodeTo(decoded);
        return decoded.Length + message.TextBody!.Length;
    }

    [Benchmark]
    public int Attachment2MBMimeKitHeadersOnly() => MimeKit.HeaderList.Load(new MemoryStream(large, writable: false)).Count;
}
