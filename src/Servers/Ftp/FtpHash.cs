using System.Security.Cryptography;

namespace Protocols.Servers.Ftp;

/// <summary>The checksums of HASH (draft-bryan-ftp-hash) and the XSHA256/XSHA1/XMD5/XCRC commands.</summary>
internal static class FtpHash
{
    public static readonly string[] Algorithms = ["SHA-256", "SHA-512", "SHA-1", "MD5", "CRC32"];

    public static bool TryNormalize(string name, out string algorithm)
    {
        algorithm = Algorithms.FirstOrDefault(a => a.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? "";
        return algorithm.Length > 0;
    }

    public static async Task<string> ComputeAsync(string algorithm, Stream stream, CancellationToken cancellationToken)
    {
        byte[] digest;
        switch (algorithm)
        {
            case "CRC32":
                digest = await Crc32.ComputeAsync(stream, cancellationToken).ConfigureAwait(false);
                break;
            default:
            {
                using var hash = IncrementalHash.CreateHash(algorithm switch
                {
                    "SHA-1" => HashAlgorithmName.SHA1,
                    "MD5" => HashAlgorithmName.MD5,
                    "SHA-512" => HashAlgorithmName.SHA512,
                    _ => HashAlgorithmName.SHA256,
                });
                var buffer = new byte[128 * 1024];
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) hash.AppendData(buffer, 0, n);
                digest = hash.GetHashAndReset();
                break;
            }
        }
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>CRC-32 (IEEE 802.3, the one of zip and XCRC), table-driven.</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = Build();

        private static uint[] Build()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                table[i] = c;
            }
            return table;
        }

        public static uint Append(uint crc, ReadOnlySpan<byte> data)
        {
            crc = ~crc;
            foreach (var b in data) crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
            return ~crc;
        }

        public static async Task<byte[]> ComputeAsync(Stream stream, CancellationToken cancellationToken)
        {
            var buffer = new byte[128 * 1024];
            uint crc = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) crc = Append(crc, buffer.AsSpan(0, n));
            return [(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
        }
    }
}
