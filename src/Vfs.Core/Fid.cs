// Vfs.Core: a file identifier (fid_t), what VOP_FID makes and VFS_VGET takes back.
//
// A fid names a file within its vfs for as long as the file exists, across restarts of the
// host: file systems put the inode number and its generation in it. NFS builds its file
// handles from one (adding the export and a MAC), so a fid must never contain a pointer or a
// boot time.
namespace UnixVfs.Core;

/// <summary>A file identifier (<c>fid_t</c>): up to <see cref="MaxFidSize"/> opaque bytes.</summary>
public sealed class Fid : IEquatable<Fid>
{
    /// <summary>MAXFIDSZ.</summary>
    public const int MaxFidSize = 64;

    private readonly byte[] _data;

    public Fid(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxFidSize)
            throw new ArgumentException($"a fid holds at most {MaxFidSize} bytes", nameof(data));
        _data = data.ToArray();
    }

    /// <summary><c>fid_data</c> (its length is <c>fid_len</c>).</summary>
    public ReadOnlySpan<byte> Data => _data;

    public int Length => _data.Length;

    /// <summary>The usual fid of a file system with inode numbers: ino (8 bytes) and generation (4), little-endian.</summary>
    public static Fid FromInode(ulong ino, uint gen)
    {
        Span<byte> b = stackalloc byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, ino);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b[8..], gen);
        return new Fid(b);
    }

    /// <summary>Decodes <see cref="FromInode"/>; false when the fid has another shape.</summary>
    public bool TryGetInode(out ulong ino, out uint gen)
    {
        ino = 0; gen = 0;
        if (_data.Length != 12)
            return false;
        ino = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_data);
        gen = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(8));
        return true;
    }

    public bool Equals(Fid? other) => other is not null && _data.AsSpan().SequenceEqual(other._data);
    public override bool Equals(object? obj) => Equals(obj as Fid);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_data);
        return h.ToHashCode();
    }
    public override string ToString() => Convert.ToHexString(_data);
}
