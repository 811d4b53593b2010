using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Protocols.Mime;

namespace Protocols.Benchmarks.Mime;

/// <summary>Parse a 1 MiB message with an attachment; build messages. Run: dotnet run -c Release -- --filter *MimeBenchmarks*</summary>
[MemoryDiagnoser]
[Config(typeof(ShortInProcess))]
public class MimeBenchmarks
{
    /// <summary>A short run in this process: no separate build, which can time out on a loaded 2-core machine.</summary>
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    private byte[] attachment = [];
    private byte[] message = [];

    [GlobalSetup]
    public void Setup()
    {
        attachment = new byte[1 << 20];
        new Random(42).NextBytes(attachment);
        message = Build(attachment).ToBytes();
    }

    private static MimeMessage Build(byte[] data)
    {
        var builder = new BodyBuilder
        {
            TextBody = "Hello,\nthe report is attached.\n\nRegards,\nBench",
            HtmlBody = "<p>Hello,</p><p>the report is attached.</p><p>Regards,<br>Bench</p>",
        };
        builder.Attachments.Add("report.bin", data);
        var result = new MimeMessage { Subject = "Quarterly report – Größenänderung" };
        result.From.Add("Bench Sender", "sender@example.org");
        result.To.Add("Bench Recipient", "to@example.net");
        result.Body = builder.ToMessageBody();
        return result;
    }

    /// <summary>Headers, multipart tree, boundary scan; the attachment is located but not decoded.</summary>
    [Benchmark]
    public int Parse1MiB() => MimeParser.Parse(message).BodyParts.Count();

    /// <summary>Parse and decode the attachment (base64) and the text body.</summary>
    [Benchmark]
    public int ParseAndDecode1MiB()
    {
        var parsed = MimeParser.Parse(message);
        return parsed.Attachments.Single().Content.Length + parsed.TextBody!.Length;
    }

    /// <summary>Build a message with text, HTML and a 1 MiB attachment and serialize it.</summary>
    [Benchmark]
    public int Build1MiB() => Build(attachment).ToBytes().Length;

    /// <summary>Build a small text + HTML message and serialize it.</summary>
    [Benchmark]
    public int BuildSmall() => Build([]).ToBytes().Length;
}
