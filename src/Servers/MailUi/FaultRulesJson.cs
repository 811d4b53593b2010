using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Protocols.Servers.Lines;

namespace Protocols.Servers.MailUi;

/// <summary>
/// One runtime fault rule as <c>api/faults</c> reads and writes it: <c>stage</c> (connect, ehlo, mail, rcpt, data,
/// after-data), <c>action</c> (reply with <c>code</c>, <c>enhancedCode</c>, <c>text</c>; delay with <c>delayMs</c>; drop),
/// <c>probability</c> (0..1) or <c>nth</c> (the N-th matching occurrence, from 1), and optionally <c>senders</c> /
/// <c>recipients</c> (addresses or <c>@domain</c>).
/// </summary>
public sealed record FaultRuleModel(
    string Stage, string Action, int? Code = null, string? EnhancedCode = null, string? Text = null, int? DelayMs = null,
    double? Probability = null, int? Nth = null, IReadOnlyList<string>? Senders = null, IReadOnlyList<string>? Recipients = null);

/// <summary>Reads and checks <c>api/faults</c> bodies (a JSON array of <see cref="FaultRuleModel"/>), naming the bad field, and maps
/// them to the kernel's <see cref="FaultRule"/>.</summary>
public static partial class FaultRulesJson
{
    /// <summary>Most rules one PUT may hold.</summary>
    public const int MaxRules = 100;

    /// <summary>Longest delay a rule may ask for: one minute, under the SMTP command deadlines clients use (RFC 5321 4.5.3.2).</summary>
    public const int MaxDelayMs = 60_000;

    private static readonly Dictionary<string, string> Verbs = new(StringComparer.Ordinal)
    {
        ["connect"] = FaultStages.Connect, ["ehlo"] = "EHLO", ["mail"] = "MAIL", ["rcpt"] = "RCPT", ["data"] = "DATA", ["after-data"] = FaultStages.AfterData,
    };

    internal static readonly string[] Fields = ["stage", "action", "code", "enhancedCode", "text", "delayMs", "probability", "nth", "senders", "recipients"];

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}$")]
    private static partial Regex EnhancedCodePattern();

    /// <summary>Parses a body; on failure <paramref name="problem"/> names the field (<c>rules[1].code: ...</c>).</summary>
    public static IReadOnlyList<FaultRuleModel>? Parse(ReadOnlySpan<byte> body, out string? problem)
    {
        problem = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            problem = "body: not JSON (" + e.Message + ")";
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array) return Fail<List<FaultRuleModel>>(out problem, "body", "expected a JSON array of rules");
            if (root.GetArrayLength() > MaxRules) return Fail<List<FaultRuleModel>>(out problem, "body", $"at most {MaxRules} rules");
            var rules = new List<FaultRuleModel>();
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                var rule = ParseRule(element, $"rules[{index++}]", out problem);
                if (rule is null) return null;
                rules.Add(rule);
            }
            return rules;
        }
    }

    private static FaultRuleModel? ParseRule(JsonElement e, string at, out string? problem)
    {
        problem = null;
        if (e.ValueKind != JsonValueKind.Object) return Fail(out problem, at, "expected an object");
        foreach (var property in e.EnumerateObject())
        {
            if (Array.IndexOf(Fields, property.Name) < 0) return Fail(out problem, $"{at}.{property.Name}", "unknown field (known: " + string.Join(", ", Fields) + ")");
        }
        if (!String(e, at, "stage", out var stage, out problem)) return null;
        if (stage is null || !Verbs.ContainsKey(stage)) return Fail(out problem, at + ".stage", "expected one of " + string.Join(", ", Verbs.Keys));
        if (!String(e, at, "action", out var action, out problem)) return null;
        if (action is not ("reply" or "delay" or "drop")) return Fail(out problem, at + ".action", "expected reply, delay or drop");
        if (!Integer(e, at, "code", out var code, out problem) || !String(e, at, "enhancedCode", out var enhanced, out problem)
            || !String(e, at, "text", out var text, out problem) || !Integer(e, at, "delayMs", out var delayMs, out problem)
            || !Integer(e, at, "nth", out var nth, out problem) || !Number(e, at, "probability", out var probability, out problem)
            || !Addresses(e, at, "senders", out var senders, out problem) || !Addresses(e, at, "recipients", out var recipients, out problem))
            return null;

        if (action == "reply")
        {
            if (code is null) return Fail(out problem, at + ".code", "a reply needs a code");
            if (code is < 200 or > 599) return Fail(out problem, at + ".code", "expected a reply code 200..599");
        }
        else if (code is not null || enhanced is not null || text is not null)
            return Fail(out problem, at + (code is not null ? ".code" : enhanced is not null ? ".enhancedCode" : ".text"), "only a reply has a code, enhancedCode or text");
        if (enhanced is not null && (!EnhancedCodePattern().IsMatch(enhanced) || enhanced[0] != (char)('0' + code!.Value / 100)))
            return Fail(out problem, at + ".enhancedCode", "expected class.subject.detail with the code's class, like 4.3.0 for 451");
        if (text is not null && (text.Length > 200 || text.Any(char.IsControl)))
            return Fail(out problem, at + ".text", "at most 200 characters, no control characters");
        if (action == "delay" && delayMs is null) return Fail(out problem, at + ".delayMs", "a delay needs delayMs");
        if (delayMs is < 0 or > MaxDelayMs) return Fail(out problem, at + ".delayMs", $"expected 0..{MaxDelayMs}");
        if (nth is not null && probability is not null) return Fail(out problem, at + ".nth", "give nth or probability, not both");
        if (nth is < 1) return Fail(out problem, at + ".nth", "counts start at 1");
        if (probability is < 0 or > 1) return Fail(out problem, at + ".probability", "expected 0..1");
        if (senders is not null && stage is "connect" or "ehlo") return Fail(out problem, at + ".senders", "the sender is known from the mail stage on");
        if (recipients is not null && stage != "rcpt") return Fail(out problem, at + ".recipients", "recipients are matched at the rcpt stage");
        return new FaultRuleModel(stage, action, code, enhanced, text, delayMs, probability, nth, senders, recipients);
    }

    /// <summary>The kernel rule for a checked model.</summary>
    public static FaultRule ToRule(FaultRuleModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var delay = TimeSpan.FromMilliseconds(model.DelayMs ?? 0);
        var fault = model.Action switch
        {
            "reply" => new VerbFault(VerbFaultAction.Reply, model.Code ?? 451, model.Text ?? "Scripted failure", model.EnhancedCode, delay),
            "drop" => new VerbFault(VerbFaultAction.Disconnect, Delay: delay),
            _ => new VerbFault(VerbFaultAction.None, Delay: delay),
        };
        return new FaultRule(Verbs[model.Stage], fault)
        {
            Nth = model.Nth, Probability = model.Probability ?? 1, Senders = model.Senders ?? [], Recipients = model.Recipients ?? [],
        };
    }

    private static T? Fail<T>(out string? problem, string field, string message) where T : class
    {
        problem = field + ": " + message;
        return null;
    }

    private static FaultRuleModel? Fail(out string? problem, string field, string message) => Fail<FaultRuleModel>(out problem, field, message);

    private static bool String(JsonElement e, string at, string name, out string? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return true;
        if (p.ValueKind != JsonValueKind.String) { problem = $"{at}.{name}: expected a string"; return false; }
        value = p.GetString();
        return true;
    }

    private static bool Integer(JsonElement e, string at, string name, out int? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return true;
        if (p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var n)) { problem = $"{at}.{name}: expected an integer"; return false; }
        value = n;
        return true;
    }

    private static bool Number(JsonElement e, string at, string name, out double? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return true;
        if (p.ValueKind != JsonValueKind.Number) { problem = $"{at}.{name}: expected a number"; return false; }
        value = p.GetDouble();
        return true;
    }

    private static bool Addresses(JsonElement e, string at, string name, out IReadOnlyList<string>? value, out string? problem)
    {
        value = null;
        problem = null;
        if (!e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return true;
        if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() is 0 or > 100) { problem = $"{at}.{name}: expected an array of 1..100 addresses"; return false; }
        var list = new List<string>();
        var i = 0;
        foreach (var item in p.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : "";
            if (text.Length is 0 or > 320 || !text.Contains('@', StringComparison.Ordinal) || text.Any(c => char.IsControl(c) || c == ' '))
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"{at}.{name}[{i}]: expected an address or @domain");
                return false;
            }
            list.Add(text);
            i++;
        }
        value = list;
        return true;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IReadOnlyList<FaultRuleModel>))]
internal sealed partial class FaultJsonContext : JsonSerializerContext;
