// Vfs.Core: an open file (struct file): the vnode, the offset and the flags one open(2) made.
//
// Several descriptors may share one OpenFile (dup); Count says how many. The offset is shared
// by all of them and changes under Lock, so two reads through one open file never read the same
// bytes. The OpenFile holds its vnode once, from open to the last close.
namespace UnixVfs.Core;

/// <summary>An open file (<c>file_t</c>).</summary>
public sealed class OpenFile
{
    internal OpenFile(Vnode vp, FileFlags flag)
    {
        Vnode = vp;
        Flag = flag;
        Count = 1;
    }

    /// <summary><c>f_vnode</c> (held by this open file).</summary>
    public Vnode Vnode { get; }

    /// <summary><c>f_flag</c>: FREAD, FWRITE, FAPPEND, FSYNC, ...</summary>
    public FileFlags Flag { get; internal set; }

    /// <summary><c>f_offset</c>.</summary>
    public long Offset { get; internal set; }

    /// <summary><c>f_count</c>: the descriptors referring to this open file.</summary>
    public int Count { get; internal set; }

    /// <summary>The class of open-file locks: the outermost of all (LockRank.File); one file's at a time.</summary>
    internal static readonly LockClass LockClass = new("open file", LockRank.File);

    /// <summary>Serialises offset updates (f_tlock); held across the VOP_READ/VOP_WRITE/VOP_READDIR that moves the offset.</summary>
    internal KMutex Lock { get; } = new(LockClass);
}
