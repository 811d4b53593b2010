using System.Net;

namespace Protocols.Servers.Hosting;

/// <summary>An endpoint could not be bound (most often: the port is taken).</summary>
public sealed class EndpointBindException : IOException
{
    public EndpointBindException(string message) : base(message) { }

    public EndpointBindException(string message, Exception innerException) : base(message, innerException) { }

    public EndpointBindException() { }

    internal EndpointBindException(string name, IPEndPoint endPoint, Exception innerException)
        : base($"cannot listen on {endPoint} for '{name}': {innerException.GetBaseException().Message}", innerException)
    {
        EndpointName = name;
        EndPoint = endPoint;
    }

    public string? EndpointName { get; }

    public IPEndPoint? EndPoint { get; }
}
