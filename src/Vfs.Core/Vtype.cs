// Vfs.Core: vnode types (enum vtype) and their mapping to and from st_mode's S_IFMT bits.
namespace UnixVfs.Core;

/// <summary>The type of a vnode (<c>enum vtype</c>).</summary>
public enum VType
{
    VNON = 0,
    VREG = 1,
    VDIR = 2,
    VBLK = 3,
    VCHR = 4,
    VLNK = 5,
    VFIFO = 6,
    VDOOR = 7,
    VPROC = 8,
    VSOCK = 9,
    VPORT = 10,
    VBAD = 11,
}

/// <summary>S_IF* file type bits and the VTTOIF/IFTOVT conversions.</summary>
public static class ModeBits
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFIFO = 0x1000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFSOCK = 0xC000;

    public const uint S_ISUID = 0x800;
    public const uint S_ISGID = 0x400;
    public const uint S_ISVTX = 0x200;

    /// <summary>MODEMASK: the permission and set-id bits a vattr's mode may hold.</summary>
    public const uint ModeMask = 0xFFF;

    /// <summary>VTTOIF: the S_IFMT bits for a vnode type (0 for types without one).</summary>
    public static uint VtToIf(VType t) => t switch
    {
        VType.VREG => S_IFREG,
        VType.VDIR => S_IFDIR,
        VType.VBLK => S_IFBLK,
        VType.VCHR => S_IFCHR,
        VType.VLNK => S_IFLNK,
        VType.VFIFO => S_IFIFO,
        VType.VSOCK => S_IFSOCK,
        _ => 0,
    };

    /// <summary>IFTOVT: the vnode type for a mode's S_IFMT bits (VNON when they name none).</summary>
    public static VType IfToVt(uint mode) => (mode & S_IFMT) switch
    {
        S_IFREG => VType.VREG,
        S_IFDIR => VType.VDIR,
        S_IFBLK => VType.VBLK,
        S_IFCHR => VType.VCHR,
        S_IFLNK => VType.VLNK,
        S_IFIFO => VType.VFIFO,
        S_IFSOCK => VType.VSOCK,
        _ => VType.VNON,
    };

    /// <summary>The ls(1) type letter of a vnode type.</summary>
    public static char TypeLetter(VType t) => t switch
    {
        VType.VDIR => 'd',
        VType.VLNK => 'l',
        VType.VCHR => 'c',
        VType.VBLK => 'b',
        VType.VFIFO => 'p',
        VType.VSOCK => 's',
        _ => '-',
    };

    /// <summary>An ls -l style mode string such as "drwxr-xr-x".</summary>
    public static string ToLsString(VType t, uint mode)
    {
        Span<char> s = stackalloc char[10];
        s[0] = TypeLetter(t);
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++)
            s[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        if ((mode & S_ISUID) != 0) s[3] = s[3] == 'x' ? 's' : 'S';
        if ((mode & S_ISGID) != 0) s[6] = s[6] == 'x' ? 's' : 'S';
        if ((mode & S_ISVTX) != 0) s[9] = s[9] == 'x' ? 't' : 'T';
        return new string(s);
    }
}
