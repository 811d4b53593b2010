using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Protocols.Mime;
using Protocols.Tests.Support;

namespace Protocols.Tests.Mime;

/// <summary>Python's email package (Debian python3) reads what we write, and we read what it writes.</summary>
public class PythonInteropTests
{
    private const string ReadScript = """
        import sys, json, hashlib
        from email import policy
        from email.parser import BytesParser
        m = BytesParser(policy=policy.default).parsebytes(open(sys.argv[1], 'rb').read())
        body = m.get_body(('plain',))
        html = m.get_body(('html',))
        out = {
          'subject': str(m['subject']),
          'from': [(a.display_name, a.addr_spec) for a in m['from'].addresses],
          'to': [(a.display_name, a.addr_spec) for a in m['to'].addresses],
          'text': body.get_content() if body else None,
          'html': html.get_content() if html else None,
          'attachments': [(a.get_filename(), a.get_content_type(), hashlib.sha256(a.get_payload(decode=True)).hexdigest()) for a in m.iter_attachments()],
          'defects': [type(d).__name__ for p in m.walk() for d in p.defects],
        }
        print(json.dumps(out))
        """;

    private const string WriteScript = """
        import sys
        from email.message import EmailMessage
        m = EmailMessage()
        m['From'] = 'Jörg Müller <joerg@example.de>'
        m['To'] = 'Renée <renee@example.fr>, "Doe, John" <john@example.org>'
        m['Subject'] = 'Grüße aus Köln – a subject long enough that Python has to fold it over more than one line'
        m.set_content('Liebe Grüße,\nbis bald.\n')
        m.add_alternative('<p>Liebe Grüße</p>\n', subtype='html')
        m.add_attachment(bytes(range(256)) * 10, maintype='application', subtype='octet-stream', filename='Überblick 2026.bin')
        m.add_attachment('Notizen: ☕\n', filename='notes.txt')
        open(sys.argv[1], 'wb').write(bytes(m))
        """;

    private static async Task<string> RunPythonAsync(string script, string path)
    {
        var start = new ProcessStartInfo(Peers.Require(Peers.Python)) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(path);
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.That(process.ExitCode, Is.Zero, await error);
            return await output;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Test]
    public async Task Python_reads_what_we_write()
    {
        var pdf = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();
        var builder = new BodyBuilder { TextBody = "Grüße aus Köln,\nbis bald.\n" + new string('x', 1200) + "\n", HtmlBody = "<p>Grüße</p>" };
        builder.Attachments.Add("report.pdf", pdf);
        builder.Attachments.Add("Überblick – 2026 mit einem sehr langen Dateinamen, der gefaltet werden muss.txt", Encoding.UTF8.GetBytes("notes ☕"));
        var message = new MimeMessage { Subject = "Grüße aus Köln – ein Betreff, der lang genug ist, um über mehrere Zeilen gefaltet zu werden ✓" };
        message.From.Add("Jörg Müller", "joerg@example.de");
        message.To.Add("Doe, John", "john@example.org");
        message.To.Add("Zoë", "zoe@example.org");
        message.Body = builder.ToMessageBody();

        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, message.ToBytes());
            using var json = JsonDocument.Parse(await RunPythonAsync(ReadScript, path));
            var root = json.RootElement;
            Assert.That(root.GetProperty("subject").GetString(), Is.EqualTo(message.Subject));
            Assert.That(root.GetProperty("from")[0][0].GetString(), Is.EqualTo("Jörg Müller"));
            Assert.That(root.GetProperty("to").EnumerateArray().Select(a => a[0].GetString() + "|" + a[1].GetString()), Is.EqualTo(new[] { "Doe, John|john@example.org", "Zoë|zoe@example.org" }));
            Assert.That(root.GetProperty("text").GetString()!.ReplaceLineEndings("\n"), Is.EqualTo("Grüße aus Köln,\nbis bald.\n" + new string('x', 1200) + "\n"));
            Assert.That(root.GetProperty("html").GetString(), Is.EqualTo("<p>Grüße</p>").Or.EqualTo("<p>Grüße</p>\n"));
            var attachments = root.GetProperty("attachments").EnumerateArray().Select(a => (Name: a[0].GetString(), Type: a[1].GetString(), Hash: a[2].GetString())).ToList();
            Assert.That(attachments.Select(a => a.Name), Is.EqualTo(new[] { "report.pdf", "Überblick – 2026 mit einem sehr langen Dateinamen, der gefaltet werden muss.txt" }));
            Assert.That(attachments[0].Type, Is.EqualTo("application/pdf"));
            Assert.That(attachments[0].Hash, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(pdf))));
            Assert.That(root.GetProperty("defects").GetArrayLength(), Is.Zero, root.GetProperty("defects").ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task We_read_what_python_writes()
    {
        var path = Path.GetTempFileName();
        try
        {
            await RunPythonAsync(WriteScript, path);
            var message = await MimeMessage.LoadAsync(File.OpenRead(path)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(message.Subject, Is.EqualTo("Grüße aus Köln – a subject long enough that Python has to fold it over more than one line"));
            Assert.That(message.From[0].Name, Is.EqualTo("Jörg Müller"));
            Assert.That(message.To.Select(m => m.Name + "|" + m.Address), Is.EqualTo(new[] { "Renée|renee@example.fr", "Doe, John|john@example.org" }));
            Assert.That(message.TextBody?.ReplaceLineEndings("\n"), Is.EqualTo("Liebe Grüße,\nbis bald.\n"));
            Assert.That(message.HtmlBody?.ReplaceLineEndings("\n"), Is.EqualTo("<p>Liebe Grüße</p>\n"));
            var attachments = message.Attachments.ToList();
            Assert.That(attachments.Select(a => a.FileName), Is.EqualTo(new[] { "Überblick 2026.bin", "notes.txt" }));
            Assert.That(attachments[0].Content.ToArray(), Is.EqualTo(Enumerable.Repeat(Enumerable.Range(0, 256).Select(i => (byte)i), 10).SelectMany(b => b).ToArray()));
            Assert.That(attachments[1].GetText().ReplaceLineEndings("\n"), Is.EqualTo("Notizen: ☕\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
