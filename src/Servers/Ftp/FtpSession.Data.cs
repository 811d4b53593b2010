using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Protocols.Net;

namespace Protocols.Servers.Ftp;

public sealed partial class FtpSession
{
    private enum TransferType { Binary, Ascii }

    private FtpDataChannel? _dataChannel;
    private bool _epsvAll;
    private bool _protectData;
    private TransferType _type = TransferType.Binary;
    private long _restart;
    private MlstFacts _facts = MlstFacts.All;

    private async Task PasvAsync(bool extended, string argument)
    {
        if (extended && argument.Length > 0)
        {
            if (argument.Equals("ALL", StringComparison.OrdinalIgnoreCase))
            {
                _epsvAll = true;
                await ReplyAsync(200, "EPSV ALL ok.").ConfigureAwait(false);
                return;
            }
            var family = _localAddress.AddressFamily == AddressFamily.InterNetwork ? "1" : "2";
            if (argument != family)
            {
                await ReplyAsync(522, $"Network protocol not supported, use ({family}).").ConfigureAwait(false);
                return;
            }
        }
        if (!extended && _epsvAll)
        {
            await ReplyAsync(503, "Only EPSV after EPSV ALL.").ConfigureAwait(false);
            return;
        }
        var announced = FtpDataChannel.Normalize(_options.PassiveAddress ?? _localAddress);
        if (!extended && announced.AddressFamily != AddressFamily.InterNetwork)
        {
            await ReplyAsync(425, "PASV needs IPv4: use EPSV.").ConfigureAwait(false);
            return;
        }
        await ReplaceDataChannelAsync(null).ConfigureAwait(false);
        IConnectionListener listener;
        try
        {
            listener = _server.ListenPassive(_localAddress);
        }
        catch (SocketException)
        {
            await ReplyAsync(425, "No passive port available.").ConfigureAwait(false);
            return;
        }
        var channel = FtpDataChannel.Passive(listener, _remoteAddress);
        _dataChannel = channel;
        var port = channel.LocalPort;
        if (extended)
        {
            await ReplyAsync(229, $"Entering Extended Passive Mode (|||{port}|)").ConfigureAwait(false);
            return;
        }
        var b = announced.GetAddressBytes();
        await ReplyAsync(227, string.Create(CultureInfo.InvariantCulture,
            $"Entering Passive Mode ({b[0]},{b[1]},{b[2]},{b[3]},{port >> 8},{port & 0xff}).")).ConfigureAwait(false);
    }

    private Task PortAsync(string argument)
    {
        var parts = argument.Split(',');
        var numbers = new byte[6];
        if (parts.Length != 6 || parts.Where((p, i) => !byte.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])).Any())
            return ReplyAsync(501, "Syntax: PORT h1,h2,h3,h4,p1,p2");
        var address = new IPAddress(numbers.AsSpan(0, 4));
        return ActiveAsync(new IPEndPoint(address, numbers[4] << 8 | numbers[5]));
    }

    private Task EprtAsync(string argument)
    {
        // RFC 2428: <d><af><d><address><d><port><d>, d any printable ASCII character.
        if (argument.Length < 7 || argument[0] is < '!' or > '~') return ReplyAsync(501, "Syntax: EPRT |af|address|port|");
        var parts = argument.Split(argument[0]);
        if (parts.Length != 5 || parts[0].Length != 0 || parts[4].Length != 0) return ReplyAsync(501, "Syntax: EPRT |af|address|port|");
        if (parts[1] is not ("1" or "2")) return ReplyAsync(522, "Network protocol not supported, use (1,2).");
        if (!IPAddress.TryParse(parts[2], out var address) ||
            address.AddressFamily != (parts[1] == "1" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6) ||
            !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return ReplyAsync(501, "Bad EPRT address or port.");
        return ActiveAsync(new IPEndPoint(address, port));
    }

    /// <summary>Active mode, only to the control connection's own address and an unprivileged port (RFC 2577 bounce defence).</summary>
    private async Task ActiveAsync(IPEndPoint target)
    {
        if (!_options.AllowActiveMode)
        {
            await ReplyAsync(502, "Active mode is disabled: use EPSV or PASV.").ConfigureAwait(false);
            return;
        }
        if (_epsvAll)
        {
            await ReplyAsync(503, "Only EPSV after EPSV ALL.").ConfigureAwait(false);
            return;
        }
        if (!FtpDataChannel.Normalize(target.Address).Equals(_remoteAddress) || target.Port < 1024)
        {
            Logger.LogWarning("FTP {Remote} asked for a data connection to {Target}: refused", _remoteAddress, target);
            await ReplyAsync(504, "Data connections only to your own address and an unprivileged port.").ConfigureAwait(false);
            return;
        }
        await ReplaceDataChannelAsync(FtpDataChannel.Active(_options.Network, target, _remoteAddress)).ConfigureAwait(false);
        await ReplyAsync(200, "PORT command successful.").ConfigureAwait(false);
    }

    private async Task ReplaceDataChannelAsync(FtpDataChannel? channel)
    {
        if (_dataChannel is not null) await _dataChannel.DisposeAsync().ConfigureAwait(false);
        _dataChannel = channel;
    }

    private Task RestAsync(string argument)
    {
        if (!long.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return ReplyAsync(501, "REST needs a byte offset.");
        _restart = offset;
        return ReplyAsync(350, $"Restart position accepted ({offset}).");
    }

    private static string StripListOptions(string argument)
    {
        // ls-style options that clients send to LIST (vsftpd and pyftpdlib ignore them too): "-la", "-a dir".
        var rest = argument.TrimStart();
        while (rest.StartsWith('-'))
        {
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            rest = space < 0 ? "" : rest[(space + 1)..].TrimStart();
        }
        return rest;
    }

    private async IAsyncEnumerable<Protocols.Servers.Ftp.FileSystem.FtpFileInfo> EnumerateAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = await Tree.GetInfoAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw FileSystem_NotFound(path);
        if (!info.IsDirectory)
        {
            yield return info;
            yield break;
        }
        await foreach (var item in Tree.ListAsync(path, cancellationToken).ConfigureAwait(false))
            if (FtpListingFormatter.IsListable(item.Name)) yield return item;
    }

    private static Protocols.Servers.Ftp.FileSystem.FtpFileSystemException FileSystem_NotFound(string path) => Protocols.Servers.Ftp.FileSystem.FtpFileSystemException.NotFound(path);
}
