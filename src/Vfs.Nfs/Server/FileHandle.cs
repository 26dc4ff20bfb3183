// Vfs.Nfs / server: file handles -- what a client holds for a file, and why it can neither forge
// one nor use one to leave its export.
//
// Layout (36 bytes for a file system whose fids are ino+generation, at most NFS3_FHSIZE):
//
//     0   u8    version (1)
//     1   u8    fid length L
//     2   u16   0
//     4   u32   export id (Export.IdFor: a hash of the exported path)
//     8   L     the fid from VOP_FID (inode number and generation; never a pointer or a boot time)
//     8+L 16    MAC: HMAC-SHA256 over bytes 0..8+L under the server's key, truncated to 16 bytes
//
// The handle is resolved with VFS_VGET on the export's vfs, so it names the same file after the
// server restarts as long as the key is the same (NfsServerOptions.HandleKey; `vfs serve` keeps it
// in a file). A handle whose length, version or MAC is wrong is NFS3ERR_BADHANDLE: without the key
// a client cannot make one, and changing the export id or the fid breaks the MAC. A handle of an
// export that no longer exists, or of a file that was removed (VGET says ESTALE: the inode is free
// or its generation moved on), is NFS3ERR_STALE. A client not allowed by the handle's export gets
// NFS3ERR_ACCES (checked by the caller, Nfs3Service).
using System.Buffers.Binary;
using System.Security.Cryptography;
using UnixVfs.Core;
using UnixVfs.Nfs.Protocol;

namespace UnixVfs.Nfs.Server;

/// <summary>Making and checking file handles.</summary>
public sealed class FileHandles
{
    private const byte Version = 1;
    private const int HeaderSize = 8;
    private const int MacSize = 16;

    /// <summary>The longest fid that fits in a handle.</summary>
    public const int MaxFid = Nfs3.FhSize - HeaderSize - MacSize;

    private readonly byte[] _key;

    /// <param name="key">The MAC key (at least 16 bytes).</param>
    public FileHandles(byte[] key)
    {
        if (key.Length < 16)
            throw new ArgumentException("a handle key has at least 16 bytes", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>The handle of <paramref name="fid"/> in export <paramref name="exportId"/>. Returns OK, or ENOSPC when the fid is too long.</summary>
    public Errno Make(uint exportId, Fid fid, out byte[]? fh)
    {
        fh = null;
        if (fid.Length > MaxFid)
            return Errno.ENOSPC;
        var b = new byte[HeaderSize + fid.Length + MacSize];
        b[0] = Version;
        b[1] = (byte)fid.Length;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), exportId);
        fid.Data.CopyTo(b.AsSpan(HeaderSize));
        Mac(b.AsSpan(0, HeaderSize + fid.Length), b.AsSpan(HeaderSize + fid.Length));
        fh = b;
        return Errno.OK;
    }

    /// <summary>
    /// Checks a handle's shape and MAC and takes it apart. Returns NFS3_OK with the export id and fid,
    /// or NFS3ERR_BADHANDLE.
    /// </summary>
    public NfsStat3 Open(ReadOnlySpan<byte> fh, out uint exportId, out Fid? fid)
    {
        exportId = 0;
        fid = null;
        if (fh.Length < HeaderSize + MacSize || fh.Length > Nfs3.FhSize || fh[0] != Version || fh[2] != 0 || fh[3] != 0)
            return NfsStat3.NFS3ERR_BADHANDLE;
        int len = fh[1];
        if (fh.Length != HeaderSize + len + MacSize)
            return NfsStat3.NFS3ERR_BADHANDLE;
        Span<byte> mac = stackalloc byte[MacSize];
        Mac(fh[..(HeaderSize + len)], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, fh.Slice(HeaderSize + len, MacSize)))
            return NfsStat3.NFS3ERR_BADHANDLE;
        exportId = BinaryPrimitives.ReadUInt32BigEndian(fh[4..]);
        fid = new Fid(fh.Slice(HeaderSize, len));
        return NfsStat3.NFS3_OK;
    }

    // Each thread keeps the HMAC of the last FileHandles it served, keyed: resolving a handle is the first step of
    // almost every call, and the one-shot HMACSHA256.HashData sets up and frees a keyed context each time.
    [ThreadStatic] private static FileHandles? t_macOwner;
    [ThreadStatic] private static IncrementalHash? t_mac;

    private void Mac(ReadOnlySpan<byte> data, Span<byte> dst)
    {
        if (!ReferenceEquals(t_macOwner, this))
        {
            t_mac?.Dispose();
            t_mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            t_macOwner = this;
        }
        Span<byte> full = stackalloc byte[32];
        t_mac!.AppendData(data);
        t_mac.GetHashAndReset(full);
        full[..MacSize].CopyTo(dst);
    }

    /// <summary>A fresh random key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);
}
