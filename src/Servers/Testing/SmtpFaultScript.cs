using Protocols.Servers.Lines;

namespace Protocols.Servers.Testing;

/// <summary>
/// Scripted faults for <see cref="SmtpTestServer"/>: the kernel's <see cref="FaultScript"/> (reply a given code to the
/// Nth use of a verb, drop the connection on or after a verb, delay a verb). Counts are per rule (across
/// connections) and start at 1; <see cref="FaultScript.Clear"/> forgets rules and counts.
/// </summary>
public sealed class SmtpFaultScript : FaultScript
{
}
