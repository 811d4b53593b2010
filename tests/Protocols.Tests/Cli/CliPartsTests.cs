using Protocols.Cli.Common;
using Protocols.Cli.Ftp;

namespace Protocols.Tests.Cli;

/// <summary>The pure parts behind every verb: the progress line, redaction, old spellings, mv targets.</summary>
public class CliPartsTests
{
    [TestCase(0, 1000, "f  0 B / 1000 B  0%  0 B/s  --:-- left")]
    [TestCase(512, 1024, "f  512 B / 1.0 KiB  50%  256 B/s  0:02 left")]
    [TestCase(3 * 1048576, 12 * 1048576, "f  3.0 MiB / 12.0 MiB  25%  1.5 MiB/s  0:06 left")]
    public void The_progress_line_with_a_known_size_has_total_percent_rate_and_time_left(long done, long total, string expected)
    {
        Assert.That(TransferProgress.Format("f", done, total, TimeSpan.FromSeconds(2), ProgressUnit.Bytes), Is.EqualTo(expected));
    }

    [Test]
    public void Without_a_size_it_has_the_count_and_the_rate()
    {
        Assert.That(TransferProgress.Format("f", 5L * 1073741824, null, TimeSpan.FromSeconds(10), ProgressUnit.Bytes), Is.EqualTo("f  5.0 GiB  512.0 MiB/s"));
        Assert.That(TransferProgress.Format("sent", 30, 100, TimeSpan.FromSeconds(3), ProgressUnit.Messages), Is.EqualTo("sent  30 messages / 100 messages  30%  10 msg/s  0:07 left"));
        Assert.That(TransferProgress.Format("f", 100, 100, TimeSpan.FromSeconds(65), ProgressUnit.Bytes, final: true), Does.EndWith("100%  2 B/s  in 1:05"));
    }

    [TestCase("could not log in to ftp://bob:s3cret@host:21/x", "could not log in to ftp://bob:***@host:21/x")]
    [TestCase("ftps://a:p%40ss@h/ and http://u:v@h2/", "ftps://a:***@h/ and http://u:***@h2/")]
    [TestCase("ftp://anonymous@host/ has no password", "ftp://anonymous@host/ has no password")]
    public void Url_passwords_are_redacted(string text, string expected)
    {
        Assert.That(Secrets.Redact(text), Is.EqualTo(expected));
    }

    [Test]
    public void A_password_from_the_command_line_is_redacted_wherever_it_appears_as_a_word()
    {
        Secrets.RememberFrom(["smtp", "send", "--password", "Tr0ub4dor"]);
        Assert.That(Secrets.Redact("535 authentication failed for Tr0ub4dor"), Is.EqualTo("535 authentication failed for ***"));
        Assert.That(Secrets.Redact("xTr0ub4dorx stays: not a word"), Is.EqualTo("xTr0ub4dorx stays: not a word"));
    }

    [Test]
    public void Old_spellings_become_new_ones_with_a_warning_and_only_for_their_verb()
    {
        var warnings = new StringWriter();
        Assert.That(LegacyOptions.Rewrite(["http", "serve", "-r", "/srv", "--upload", "--max-upload=10", "--tls", "--self-signed"], warnings),
            Is.EqualTo(new[] { "http", "serve", "--root", "/srv", "--write", "--max-size=10", "--tls" }));
        Assert.That(warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(4));
        Assert.That(LegacyOptions.Rewrite(["ftp", "get", "-r", "ftp://h/d"], TextWriter.Null), Is.EqualTo(new[] { "ftp", "get", "-r", "ftp://h/d" }));
        Assert.That(LegacyOptions.Rewrite(["ftp", "serve", "--implicit-tls"], TextWriter.Null), Is.EqualTo(new[] { "ftp", "serve", "--tls-port", "9990" }));
        Assert.That(LegacyOptions.Rewrite(["smtp", "send", "-p", "pw"], TextWriter.Null), Is.EqualTo(new[] { "smtp", "send", "--password", "pw" }));
    }

    [TestCase("/a/b/report.csv", "moved.csv", "/a/b/moved.csv")]
    [TestCase("/a/b/report.csv", "../c.csv", "/a/b/../c.csv")]
    [TestCase("/a/b/report.csv", "/elsewhere/r.csv", "/elsewhere/r.csv")]
    [TestCase("/a/b/report.csv", "old/", "/a/b/old/report.csv")]
    [TestCase("/a/b/", "c", "/a/c")]
    [TestCase("/a/b/report.csv", "ftp://host/x/y.csv", "/x/y.csv")]
    public void Mv_targets(string source, string to, string expected)
    {
        Assert.That(FtpClientCommands.MoveTarget(source, to), Is.EqualTo(expected));
    }
}
