using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Ftp;

/// <summary>What the file-path tests of a data connection share (<see cref="ReceiveToFileTests"/>,
/// <see cref="SendFileRestTests"/>): a temporary directory per test and a loopback listener for the peer.</summary>
public abstract class DataPathFixture(string directoryPrefix)
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>This test's own directory, deleted after it.</summary>
    protected string Dir { get; private set; } = null!;

    [SetUp]
    public void CreateDirectory() => Dir = Directory.CreateTempSubdirectory(directoryPrefix).FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(Dir, true);

    /// <summary>A loopback listener on a free port; <paramref name="receiveBuffer"/> (when above 0) is inherited by the accepted socket.</summary>
    protected static (TcpListener Listener, int Port) Listen(int receiveBuffer = 0)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        if (receiveBuffer > 0) listener.Server.ReceiveBufferSize = receiveBuffer;
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }
}
