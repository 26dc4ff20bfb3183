// Vfs.Ufs: finding, checking and reading the superblock and the cylinder-group summary area of an image
// (FreeBSD ffs_sbget), shared by mount and fsck.
//
// The superblock is looked for where readers look (SBLOCKSEARCH: 65536 for UFS2, then 262144); a
// candidate must carry the UFS2 magic at byte 1372, say it lives where it was found (fs_sblockloc),
// and pass Fs.Validate. Every failure comes with a one-line reason for the kernel's log or fsck's report.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>Superblock and summary-area I/O.</summary>
internal static class Superblock
{
    /// <summary>
    /// Reads and checks the superblock of <paramref name="dev"/>. Returns OK (with the superblock and where it
    /// was found), EINVAL (no UFS2 file system there, or a superblock that fails its checks) or EIO.
    /// </summary>
    public static Errno Read(IBlockDevice dev, out Fs? fs, out long where, out string? why)
    {
        fs = null;
        where = 0;
        why = null;
        var buf = new byte[Fs.SblockSize];
        string? firstProblem = null;
        foreach (int loc in Fs.SblockSearch)
        {
            if (dev.Size < loc + Fs.SblockSize)
                continue;
            var err = dev.Read(loc, buf);
            if (err != Errno.OK)
            {
                why = $"cannot read the superblock at {loc}: {err.Message()}";
                return err;
            }
            var cand = Fs.Read(buf);
            if (cand.Magic != Fs.Ufs2Magic)
                continue;
            var problem = cand.Sblockloc != loc ? $"superblock at {loc} says it belongs at {cand.Sblockloc}" : cand.Validate(dev.Size);
            if (problem is null)
            {
                fs = cand;
                where = loc;
                return Errno.OK;
            }
            firstProblem ??= $"bad superblock at {loc}: {problem}";
        }
        why = firstProblem ?? (dev.Size < Fs.SblockUfs2 + Fs.SblockSize
            ? $"image of {dev.Size} bytes is too small to hold a UFS2 file system"
            : "no UFS2 superblock (bad magic number)");
        return Errno.EINVAL;
    }

    /// <summary>Reads the cylinder-group summaries at fs_csaddr. Returns OK, EINVAL (impossible counts) or EIO.</summary>
    public static Errno ReadCsum(IBlockDevice dev, Fs fs, out Csum[]? cs, out string? why)
    {
        cs = null;
        why = null;
        var area = new byte[(int)fs.Fragroundup(fs.Cssize)];
        var err = dev.Read(fs.FsbToByte(fs.Csaddr), area);
        if (err != Errno.OK)
        {
            why = $"cannot read the cylinder group summary: {err.Message()}";
            return err;
        }
        var result = new Csum[fs.Ncg];
        for (int c = 0; c < fs.Ncg; c++)
        {
            result[c] = Csum.Read(area.AsSpan(c * Csum.Size));
            var s = result[c];
            if (s.Ndir < 0 || s.Nbfree < 0 || s.Nifree < 0 || s.Nffree < 0 || s.Nifree > fs.Ipg
                || (long)s.Nbfree * fs.Frag + s.Nffree > fs.CgFrags(c))
            {
                why = $"cylinder group {c} summary has impossible counts";
                return Errno.EINVAL;
            }
        }
        cs = result;
        return Errno.OK;
    }
}
