// Vfs.Ufs: fsck phase 5 -- the cylinder groups, the summary area and the superblock's totals (FreeBSD
// fsck_ffs pass5.c).
//
// Each group header is rebuilt from scratch (Cg.Build) from what the earlier phases found: which
// fragments are owned, which inodes are in use, how many are directories. The rebuilt header is compared
// with the one on the device region by region -- the inode map, the fragment map, the counts, cg_frsum,
// the cluster map and its summary, cg_initediblk -- and written over it with -y when any differ. The
// rotors and the time of a sound header are kept. The summary area and the superblock's totals are then
// compared with the sums of the rebuilt groups.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal sealed partial class FsckRun
{
    private Errno Pass5()
    {
        var fs = _fs;
        var cs = new Csum[fs.Ncg];
        var old = new byte[fs.Bsize];
        for (int c = 0; c < fs.Ncg; c++)
        {
            var free = new byte[(fs.Fpg + 7) / 8];
            long cbase = fs.CgBase(c);
            int ndblk = fs.CgFrags(c);
            for (long f = 0; f < ndblk; f++)
                if (!IsUsed(cbase + f))
                    Cg.SetBit(free, f);
            var used = new byte[(fs.Ipg + 7) / 8];
            int ndir = 0;
            long ibase = (long)c * fs.Ipg;
            int highest = -1;
            for (int i = 0; i < fs.Ipg; i++)
            {
                byte st = _state[ibase + i];
                if (st != UState || (c == 0 && i < Fs.RootIno))
                {
                    Cg.SetBit(used, i);
                    highest = i;
                }
                if (st == DState)
                    ndir++;
            }
            bool sound = !_badCg[c] && Read(fs.Cgtod(c), old) == Errno.OK && new Cg(old).Check(fs, c) is null;
            var oc = new Cg(old);
            int inited = sound ? oc.Initediblk : fs.Ipg;
            if (highest >= inited)
                inited = (int)Math.Min(fs.Ipg, Fs.Howmany(highest + 1, fs.Inopb) * fs.Inopb);
            int Rotor(int v, int max) => v >= 0 && v < max ? v : 0;
            var want = Cg.Build(fs, c, free, used, ndir, inited, sound ? oc.Time : _now.Sec,
                sound ? Rotor(oc.Rotor, ndblk) : 0, sound ? Rotor(oc.Frotor, ndblk) : 0, sound ? Rotor(oc.Irotor, fs.Ipg) : 0);
            cs[c] = want.Cs;
            if (sound)
            {
                var diffs = Compare(fs, oc, want);
                if (diffs.Count == 0 || !Problem($"CYLINDER GROUP {c}: {string.Join(", ", diffs)}", "REBUILT"))
                    continue;
            }
            if (_repair)
            {
                Write(fs.Cgtod(c), want.Data);
                _inited[c] = inited;
            }
        }

        var area = new byte[(int)fs.Fragroundup(fs.Cssize)];
        bool csOk = Read(fs.Csaddr, area) == Errno.OK;
        bool csDiffers = !csOk;
        for (int c = 0; c < fs.Ncg && !csDiffers; c++)
        {
            var s = Csum.Read(area.AsSpan(c * Csum.Size));
            csDiffers = !s.Equals(cs[c]);
        }
        if (csDiffers && Problem("SUMMARY INFORMATION BAD", "FIXED"))
        {
            for (int c = 0; c < fs.Ncg; c++)
                cs[c].Write(area.AsSpan(c * Csum.Size));
            Write(fs.Csaddr, area);
        }
        long ndirs = 0, nbfree = 0, nifree = 0, nffree = 0;
        foreach (var s in cs)
        {
            ndirs += s.Ndir;
            nbfree += s.Nbfree;
            nifree += s.Nifree;
            nffree += s.Nffree;
        }
        if ((fs.CsNdir != ndirs || fs.CsNbfree != nbfree || fs.CsNifree != nifree || fs.CsNffree != nffree)
            && Problem("SUPERBLOCK SUMMARY TOTALS WRONG", "FIXED"))
        {
            fs.CsNdir = ndirs;
            fs.CsNbfree = nbfree;
            fs.CsNifree = nifree;
            fs.CsNffree = nffree;
            _report.Modified = true;
        }
        return Errno.OK;
    }

    /// <summary>The regions in which header <paramref name="have"/> differs from the rebuilt <paramref name="want"/>.</summary>
    private static List<string> Compare(Fs fs, Cg have, Cg want)
    {
        var d = new List<string>();
        if (!have.Inosused(fs).SequenceEqual(want.Inosused(fs)))
            d.Add("INODE MAP WRONG");
        var hf = have.Blksfree(fs);
        var wf = want.Blksfree(fs);
        for (long f = 0; f < want.Ndblk; f++)
            if (Cg.IsSet(hf, f) != Cg.IsSet(wf, f))
            {
                d.Add("FRAGMENT MAP WRONG");
                break;
            }
        if (have.Ndir != want.Ndir || have.Nbfree != want.Nbfree || have.Nifree != want.Nifree || have.Nffree != want.Nffree)
            d.Add($"COUNTS WRONG (dirs {have.Ndir}/{want.Ndir}, free blocks {have.Nbfree}/{want.Nbfree}, " +
                  $"free inodes {have.Nifree}/{want.Nifree}, free frags {have.Nffree}/{want.Nffree})");
        for (int i = 1; i < fs.Frag; i++)
            if (have.Frsum(i) != want.Frsum(i))
            {
                d.Add("FRAGMENT SUMMARY WRONG");
                break;
            }
        if (fs.Contigsumsize > 0)
        {
            var hc = have.Clustersfree(fs);
            var wc = want.Clustersfree(fs);
            bool mapDiffers = have.Nclusterblks != want.Nclusterblks;
            for (long b = 0; b < want.Nclusterblks && !mapDiffers; b++)
                mapDiffers = Cg.IsSet(hc, b) != Cg.IsSet(wc, b);
            bool sumDiffers = false;
            for (int i = 1; i <= fs.Contigsumsize && !sumDiffers; i++)
                sumDiffers = have.Clustersum(i) != want.Clustersum(i);
            if (mapDiffers || sumDiffers)
                d.Add("CLUSTER MAP WRONG");
        }
        if (have.Initediblk < want.Initediblk || have.Niblk != want.Niblk)
            d.Add("INODE INITIALISATION WRONG");
        if (have.Rotor != want.Rotor || have.Frotor != want.Frotor || have.Irotor != want.Irotor)
            d.Add("ROTORS OUT OF RANGE"); // the rebuilt header keeps the ones in range
        return d;
    }
}
