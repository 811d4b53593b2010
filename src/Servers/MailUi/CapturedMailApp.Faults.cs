using Microsoft.AspNetCore.Http;
using Protocols.Servers.Lines;

namespace Protocols.Servers.MailUi;

/// <summary>
/// <c>api/faults</c>: the SMTP server's runtime faults. GET the rules in force, PUT a JSON array of rules (replacing
/// them all; counts start again), DELETE to clear them. The rules act through the kernel's <see cref="FaultScript"/>
/// (<see cref="Faults"/>), the same one the test servers use; without one the route answers 404.
/// </summary>
public sealed partial class CapturedMailApp
{
    private const int MaxFaultBytes = 64 * 1024;
    private readonly Lock _faultGate = new();
    private IReadOnlyList<FaultRuleModel> _faultRules = [];

    /// <summary>The SMTP server's fault script that <c>api/faults</c> sets; null: no such route.</summary>
    public FaultScript? Faults { get; init; }

    private Task FaultRulesAsync(HttpContext context) => Faults is null ? NoFaultsAsync(context) : RulesAsync(context);

    private static Task NoFaultsAsync(HttpContext context) => ErrorAsync(context, StatusCodes.Status404NotFound, "no SMTP server to fault here");

    private Task RulesAsync(HttpContext context)
    {
        IReadOnlyList<FaultRuleModel> rules;
        lock (_faultGate) rules = _faultRules;
        return JsonAsync(context, rules, FaultJsonContext.Default.IReadOnlyListFaultRuleModel);
    }

    private async Task PutFaultsAsync(HttpContext context)
    {
        if (Faults is not { } faults)
        {
            await NoFaultsAsync(context).ConfigureAwait(false);
            return;
        }
        if (context.Request.ContentLength is > MaxFaultBytes)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "the rules are too large").ConfigureAwait(false);
            return;
        }
        var body = new byte[MaxFaultBytes + 1];
        var read = await context.Request.Body.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
        if (read > MaxFaultBytes)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "the rules are too large").ConfigureAwait(false);
            return;
        }
        var rules = FaultRulesJson.Parse(body.AsSpan(0, read), out var problem);
        if (rules is null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, problem ?? "bad rules").ConfigureAwait(false);
            return;
        }
        lock (_faultGate)
        {
            faults.Replace(rules.Select(FaultRulesJson.ToRule));
            _faultRules = rules;
        }
        await RulesAsync(context).ConfigureAwait(false);
    }

    private Task ClearFaultsAsync(HttpContext context)
    {
        if (Faults is not { } faults) return NoFaultsAsync(context);
        lock (_faultGate)
        {
            faults.Clear();
            _faultRules = [];
        }
        return RulesAsync(context);
    }
}
