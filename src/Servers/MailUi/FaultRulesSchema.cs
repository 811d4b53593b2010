using System.Text.Json.Nodes;

namespace Protocols.Servers.MailUi;

/// <summary>The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of an <c>api/faults</c> body, from the parser's own
/// stages, fields and limits.</summary>
public static partial class FaultRulesJson
{
    /// <summary>The schema of a JSON array of rules; a new node each call.</summary>
    public static JsonNode Schema()
    {
        static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)v)];
        static JsonObject Addresses(string description) => new()
        {
            ["type"] = "array", ["minItems"] = 1, ["maxItems"] = 100, ["description"] = description,
            ["items"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = 320 },
        };
        static JsonObject When(string action, string required) => new()
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { ["action"] = new JsonObject { ["const"] = action } } },
            ["then"] = new JsonObject { ["required"] = new JsonArray(required) },
        };
        var properties = new JsonObject
        {
            ["stage"] = new JsonObject { ["type"] = "string", ["enum"] = Strings(Verbs.Keys), ["description"] = "The SMTP stage the rule acts at." },
            ["action"] = new JsonObject { ["type"] = "string", ["enum"] = Strings(["reply", "delay", "drop"]), ["description"] = "Reply with a code, wait, or close the connection." },
            ["code"] = new JsonObject { ["type"] = "integer", ["minimum"] = 200, ["maximum"] = 599, ["description"] = "The reply code (reply only)." },
            ["enhancedCode"] = new JsonObject { ["type"] = "string", ["pattern"] = EnhancedCodePattern().ToString(), ["description"] = "An RFC 3463 code of the reply's class, like 4.3.0 for 451." },
            ["text"] = new JsonObject { ["type"] = "string", ["maxLength"] = 200, ["description"] = "The reply's text (no control characters)." },
            ["delayMs"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = MaxDelayMs, ["description"] = "Milliseconds to wait first (delay needs it)." },
            ["probability"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1, ["description"] = "The chance the rule acts (default 1); not with nth." },
            ["nth"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Act on the N-th matching occurrence only; not with probability." },
            ["senders"] = Addresses("Act only for these senders (addresses or @domain), from the mail stage on."),
            ["recipients"] = Addresses("Act only for these recipients (addresses or @domain), at the rcpt stage."),
        };
        var rule = new JsonObject
        {
            ["type"] = "object", ["title"] = "FaultRule", ["additionalProperties"] = false,
            ["required"] = Strings(["stage", "action"]), ["properties"] = properties,
            ["allOf"] = new JsonArray(When("reply", "code"), When("delay", "delayMs")),
        };
        return new JsonObject { ["type"] = "array", ["maxItems"] = MaxRules, ["items"] = rule };
    }
}
