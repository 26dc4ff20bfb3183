// Vfs.Ufs: fsck -- checks a UFS2 image and, with -y, repairs it (after FreeBSD's fsck_ffs).
//
// It reads the image directly (no mount, no buffer cache) and works in the classic phases:
//   0  the superblock: found and checked, or, when it is damaged, a copy from a cylinder group
//      (located through the recovery record newfs leaves at the end of the boot area);
//   1  every inode a group has initialised: a known type, a sane size, block pointers inside the file
//      system and inside the file, the right block count; every fragment it owns is recorded, and an
//      inode that owns nothing consistent is cleared (FsckInodes.cs);
//   1b fragments owned twice: every owner is cleared;
//   2  every directory block: records that are well formed, "." and ".." in place, entries naming
//      allocated inodes of the type they say, no second name for a directory (FsckDirs.cs);
//   3  every directory reachable from the root (a cut-off subtree or a loop goes to lost+found, ".."
//      names the real parent);
//   4  link counts: an unnamed file with contents goes to lost+found, an empty one is cleared, every
//      di_nlink matches the names found;
//   5  every cylinder group header rebuilt from what phases 1-4 found and compared with the one on the
//      device: the maps, the counts, cg_frsum, the cluster summary; then the summary area and the
//      superblock's totals (FsckGroups.cs).
// With -n nothing is written; every finding is reported. With -y each finding is repaired as it is
// found, and a run that repaired everything marks the file system clean. Every address is checked
// before it is read, so a damaged image yields findings, never a read outside the image or a hang.
using System.Buffers.Binary;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

/// <summary>What fsck found and did.</summary>
public sealed class FsckReport
{
    internal readonly List<string> LinesList = new();
    internal readonly List<string> ProblemsList = new();

    /// <summary>Everything fsck printed, in order: the phase headers and every finding.</summary>
    public IReadOnlyList<string> Lines => LinesList;

    /// <summary>The findings alone (inconsistencies and what was done about each).</summary>
    public IReadOnlyList<string> Problems => ProblemsList;

    /// <summary>Findings that were not repaired (all of them with -n).</summary>
    public int Unfixed { get; internal set; }

    /// <summary>True when fsck wrote to the image.</summary>
    public bool Modified { get; internal set; }

    /// <summary>True when nothing was found.</summary>
    public bool Clean => ProblemsList.Count == 0;

    /// <summary>Files (of any type but directory), directories, fragments in use and free, at the end.</summary>
    public long Files, Directories, UsedFragments, FreeFragments;

    /// <summary>fsck's closing line.</summary>
    public string Summary { get; internal set; } = "";

    public override string ToString() => string.Join('\n', LinesList);
}

/// <summary>fsck for UFS2.</summary>
public static class Fsck
{
    /// <summary>
    /// Checks the file system on <paramref name="dev"/>; with <paramref name="repair"/> (fsck -y) repairs what it
    /// finds; <paramref name="clock"/> stamps what it creates. Returns OK when the check ran (the report says what it found), EINVAL when no usable superblock
    /// exists (the report says why), EROFS when asked to repair a read-only device, or EIO.
    /// </summary>
    public static Errno Run(IBlockDevice dev, bool repair, out FsckReport report, TimeProvider? clock = null)
    {
        report = new FsckReport();
        if (repair && dev.IsReadOnly)
            return Errno.EROFS;
        if (ByteOrder.IsSwapped(dev))
        {
            // A big-endian image is checked through the swapping view, which reads only; its repair is not done here.
            if (repair)
            {
                report.Summary = "byte-swapped UFS2: big-endian image; fsck -y cannot repair it here (fsck -n checks it)";
                return Errno.EROFS;
            }
            var err = ByteSwappedDevice.Open(dev, owns: false, out var swapped, out var why);
            if (err != Errno.OK)
            {
                report.Summary = $"byte-swapped UFS2: {why}";
                return err;
            }
            dev = swapped!;
        }
        var now = Timespec.FromDateTimeOffset((clock ?? TimeProvider.System).GetUtcNow());
        var run = new FsckRun(dev, repair, report, now);
        return run.Run();
    }
}

/// <summary>One fsck run: its state and the phases (split over Fsck*.cs).</summary>
internal sealed partial class FsckRun
{
    /// <summary>Per-inode state (FreeBSD's USTATE, FSTATE, DSTATE).</summary>
    private const byte UState = 0, FState = 1, DState = 2;

    private readonly IBlockDevice _dev;
    private readonly bool _repair;
    private readonly FsckReport _report;
    private readonly Timespec _now;
    private Fs _fs = null!;
    private long _sbloc;
    private bool _altSuperblock;
    private long _fsBytes;

    private byte[] _state = [];
    private short[] _diNlink = [];
    private int[] _linkCnt = [];
    private uint[] _parent = [];
    private uint[] _dotdot = [];
    private readonly Dictionary<uint, (uint Dir, long Off)> _parentEntry = new();
    private readonly List<uint> _dirs = new();
    private byte[] _used = [];
    private readonly HashSet<long> _dups = new();
    private int[] _inited = [];
    private bool[] _badCg = [];
    private uint _lostFound;
    private uint _journal; // the root's .sujournal, a regular file: the soft-updates journal (FS_SUJ)

    public FsckRun(IBlockDevice dev, bool repair, FsckReport report, Timespec now)
    {
        _dev = dev;
        _repair = repair;
        _report = report;
        _now = now;
    }

    public Errno Run()
    {
        Phase("** Checking the superblock");
        var err = FindSuperblock();
        if (err != Errno.OK)
            return err;
        _fsBytes = Math.Min(_dev.Size, _fs.Size * _fs.Fsize);
        long n = _fs.Ninodes;
        _state = new byte[n];
        _diNlink = new short[n];
        _linkCnt = new int[n];
        _parent = new uint[n];
        _dotdot = new uint[n];
        _used = new byte[(_fs.Size + 7) / 8];
        _inited = new int[_fs.Ncg];
        _badCg = new bool[_fs.Ncg];
        MarkMetadata();

        Phase("** Phase 1 - Check Blocks and Sizes");
        if ((err = Pass1()) != Errno.OK)
            return err;
        if (_dups.Count > 0)
        {
            Phase("** Phase 1b - Rescan For More DUPS");
            if ((err = Pass1b()) != Errno.OK)
                return err;
        }
        Phase("** Phase 2 - Check Pathnames");
        if ((err = Pass2()) != Errno.OK)
            return err;
        Phase("** Phase 3 - Check Connectivity");
        if ((err = Pass3()) != Errno.OK)
            return err;
        Phase("** Phase 4 - Check Reference Counts");
        if ((err = Pass4()) != Errno.OK)
            return err;
        Phase("** Phase 5 - Check Cyl groups");
        if ((err = Pass5()) != Errno.OK)
            return err;
        CheckJournal();
        return Finish();
    }

    private void Phase(string line) => _report.LinesList.Add(line);

    /// <summary>Records a finding; <paramref name="fixable"/> says whether -y repairs it. Returns true when the caller should repair.</summary>
    private bool Problem(string what, string fix, bool fixable = true)
    {
        _report.ProblemsList.Add(what);
        if (_repair && fixable)
        {
            _report.LinesList.Add($"{what}: {fix}");
            return true;
        }
        _report.Unfixed++;
        _report.LinesList.Add(_repair ? $"{what}: CANNOT FIX" : $"{what}: NO ({fix.ToLowerInvariant()} with -y)");
        return false;
    }

    // --- I/O, bounded by the file system and the device ---

    /// <summary>Reads <paramref name="dst"/>.Length bytes at fragment <paramref name="frag"/>; EIO for anything outside the image.</summary>
    private Errno Read(long frag, Span<byte> dst)
    {
        if (frag < 0 || frag > _fs.Size || frag * _fs.Fsize > _fsBytes - dst.Length)
            return Errno.EIO;
        return _dev.Read(frag * _fs.Fsize, dst);
    }

    private Errno Write(long frag, ReadOnlySpan<byte> src)
    {
        if (!_repair)
            return Errno.OK;
        if (frag < 0 || frag * _fs.Fsize > _fsBytes - src.Length)
            return Errno.EIO;
        _report.Modified = true;
        return _dev.Write(frag * _fs.Fsize, src);
    }

    private byte[]? _iblock;
    private long _iblockAddr = -1;

    /// <summary>The dinode <paramref name="ino"/> (a zero dinode past cg_initediblk). Returns OK or EIO.</summary>
    private Errno GetDinode(uint ino, Dinode d)
    {
        int c = _fs.InoToCg(ino);
        if (ino % (uint)_fs.Ipg >= (uint)_inited[c])
        {
            d.Read(new byte[Dinode.Size]);
            return Errno.OK;
        }
        long addr = _fs.InoToFsba(ino);
        if (addr != _iblockAddr)
        {
            _iblock ??= new byte[_fs.Bsize];
            var err = Read(addr, _iblock);
            if (err != Errno.OK)
            {
                _iblockAddr = -1;
                return err;
            }
            _iblockAddr = addr;
        }
        d.Read(_iblock.AsSpan(_fs.InoToFsbo(ino) * Dinode.Size));
        return Errno.OK;
    }

    /// <summary>Writes dinode <paramref name="ino"/> back (read-modify-write of its inode block).</summary>
    private Errno PutDinode(uint ino, Dinode d)
    {
        if (!_repair)
            return Errno.OK;
        var probe = new Dinode();
        var err = GetDinode(ino, probe);
        if (err != Errno.OK)
            return err;
        int c = _fs.InoToCg(ino);
        if (ino % (uint)_fs.Ipg >= (uint)_inited[c])
            return Errno.OK;
        d.Write(_iblock.AsSpan(_fs.InoToFsbo(ino) * Dinode.Size));
        return Write(_iblockAddr, _iblock);
    }

    /// <summary>Zeroes dinode <paramref name="ino"/> (keeping its generation) and forgets the inode.</summary>
    private void ClearInode(uint ino)
    {
        var d = new Dinode();
        if (GetDinode(ino, d) == Errno.OK)
        {
            d.Clear();
            PutDinode(ino, d);
        }
        _state[ino] = UState;
        _diNlink[ino] = 0;
    }

    /// <summary>Frees the fragments dinode <paramref name="ino"/> owns in the map being rebuilt, then clears it (fsck_ffs's freeino).</summary>
    private void FreeInode(uint ino)
    {
        var d = new Dinode();
        if (GetDinode(ino, d) == Errno.OK)
        {
            Walk(ino, d, fixBeyond: false, out _, out _);
            foreach (var (bno, frags) in _runs)
                Unmark(bno, frags);
        }
        ClearInode(ino);
    }

    // --- the fragment map being rebuilt ---

    private bool IsUsed(long f) => Cg.IsSet(_used, f);

    private void MarkUsed(long f, int n)
    {
        for (long i = f; i < f + n; i++)
        {
            if (Cg.IsSet(_used, i))
                _dups.Add(i);
            Cg.SetBit(_used, i);
        }
    }

    private void Unmark(long f, int n)
    {
        for (long i = f; i < f + n; i++)
            Cg.ClrBit(_used, i);
    }

    /// <summary>Marks what is never free: group 0's boot area and superblock, the summary area, and every group's metadata.</summary>
    private void MarkMetadata()
    {
        for (int c = 0; c < _fs.Ncg; c++)
        {
            long start = _fs.CgBase(c);
            long from = c == 0 ? start : start + _fs.Sblkno;
            long to = Math.Min(start + _fs.Dblkno, _fs.Size);
            for (long f = from; f < to; f++)
                Cg.SetBit(_used, f);
        }
        long cs = Fs.Howmany(_fs.Cssize, _fs.Fsize);
        for (long f = _fs.Csaddr; f < _fs.Csaddr + cs && f < _fs.Size; f++)
            Cg.SetBit(_used, f);
    }

    /// <summary>Finds the first free run of <paramref name="frags"/> fragments inside one block (or a whole block), or -1.</summary>
    private long FindFree(int frags)
    {
        for (int c = 0; c < _fs.Ncg; c++)
        {
            long start = _fs.Cgdmin(c), end = _fs.CgBase(c) + _fs.CgFrags(c);
            for (long b = _fs.Blknum(start); b + _fs.Frag <= end; b += _fs.Frag)
            {
                int run = 0;
                for (int i = 0; i < _fs.Frag; i++)
                {
                    run = IsUsed(b + i) ? 0 : run + 1;
                    if (run == frags)
                        return b + i - frags + 1;
                }
            }
        }
        return -1;
    }

    // --- phase 0 ---

    private Errno FindSuperblock()
    {
        var err = Superblock.Read(_dev, out var fs, out _sbloc, out var why);
        if (err == Errno.OK)
        {
            _fs = fs!;
            return Errno.OK;
        }
        if (err != Errno.EINVAL)
        {
            _report.Summary = why ?? err.Message();
            return err;
        }
        // The recovery record newfs left at the end of the boot area tells where the copies are.
        var rec = new byte[Fs.DevBsize];
        if (_dev.Size >= Fs.SblockUfs2 && _dev.Read(Fs.SblockUfs2 - Fs.DevBsize, rec) == Errno.OK)
        {
            var r = rec.AsSpan(Fs.DevBsize - 20);
            int magic = BinaryPrimitives.ReadInt32LittleEndian(r), fsbtodb = BinaryPrimitives.ReadInt32LittleEndian(r[4..]);
            int sblkno = BinaryPrimitives.ReadInt32LittleEndian(r[8..]), fpg = BinaryPrimitives.ReadInt32LittleEndian(r[12..]);
            int ncg = BinaryPrimitives.ReadInt32LittleEndian(r[16..]);
            if (magic == Fs.Ufs2Magic && fsbtodb is >= 0 and <= 7 && sblkno > 0 && fpg > 0 && ncg > 0)
            {
                long fsize = (long)Fs.DevBsize << fsbtodb;
                var buf = new byte[Fs.SblockSize];
                for (int c = 0; c < ncg; c++)
                {
                    long loc = ((long)c * fpg + sblkno) * fsize;
                    if (loc + Fs.SblockSize > _dev.Size || _dev.Read(loc, buf) != Errno.OK)
                        continue;
                    var cand = Fs.Read(buf);
                    if (cand.Magic != Fs.Ufs2Magic || cand.Sblockloc != Fs.SblockUfs2 || cand.Validate(_dev.Size) is not null)
                        continue;
                    _fs = cand;
                    _sbloc = Fs.SblockUfs2;
                    _altSuperblock = true;
                    Problem($"{why}", $"USING ALTERNATE SUPERBLOCK FROM CYLINDER GROUP {c}");
                    if (!_repair)
                        _report.LinesList.Add($"(checking with the copy from cylinder group {c})");
                    return Errno.OK;
                }
            }
        }
        _report.Summary = why ?? "no UFS2 superblock";
        _report.LinesList.Add($"CANNOT FIND A USABLE SUPERBLOCK: {why}");
        return Errno.EINVAL;
    }

    // --- the end ---

    /// <summary>
    /// A superblock that says the file system keeps a soft-updates journal (FS_SUJ) when the root has no .sujournal:
    /// the flag is cleared, as fsck_ffs does when it finds the journal's inode removed. A journal that is there is
    /// left alone: this fsck does not replay one, and the kernel mounts such a file system read-only (UfsVfsops).
    /// </summary>
    private void CheckJournal()
    {
        if ((_fs.Flags & Fs.FS_SUJ) == 0 || _journal != 0)
            return;
        if (Problem("SOFT UPDATES JOURNAL FLAG SET, BUT NO .sujournal IN THE ROOT", "JOURNAL FLAG CLEARED"))
        {
            _fs.Flags &= ~Fs.FS_SUJ;
            _fs.Sujfree = 0;
            _report.Modified = true;
        }
    }

    private Errno Finish()
    {
        bool allFixed = _report.Unfixed == 0;
        if (_repair && (_report.Modified || _altSuperblock || _fs.Clean == 0 || (_fs.Flags & Fs.FS_NEEDSFSCK) != 0))
        {
            if (allFixed)
            {
                _fs.Clean = 1;
                _fs.Flags &= ~(Fs.FS_NEEDSFSCK | Fs.FS_UNCLEAN);
            }
            else
                _fs.Flags |= Fs.FS_NEEDSFSCK;
            if (_report.Modified)
            {
                // What was repaired no longer matches any check hashes FreeBSD kept.
                _fs.Metackhash = 0;
                _fs.Flags &= ~Fs.FS_METACKHASH;
            }
            _fs.Sblockloc = _sbloc;
            _fs.Sblockactualloc = _sbloc;
            var sb = new byte[Fs.SblockSize];
            _fs.Write(sb);
            _report.Modified = true;
            var err = _dev.Write(_sbloc, sb);
            if (err == Errno.OK)
                err = _dev.Flush();
            if (err != Errno.OK)
            {
                _report.Summary = $"cannot write the superblock: {err.Message()}";
                return err;
            }
        }
        else if (!_repair && _fs.Clean == 0 && _report.Clean)
            _report.LinesList.Add("(the file system is marked not clean, but no inconsistency was found)");
        long files = 0, dirs = 0;
        for (long i = 0; i < _state.Length; i++)
        {
            if (_state[i] == FState) files++;
            else if (_state[i] == DState) dirs++;
        }
        _report.Files = files;
        _report.Directories = dirs;
        long used = 0;
        for (long f = 0; f < _fs.Size; f++)
            if (IsUsed(f))
                used++;
        _report.UsedFragments = used;
        _report.FreeFragments = _fs.Size - used;
        _report.Summary = $"{files} files, {dirs} directories, {used} used, {_fs.Size - used} free fragments" +
            (_report.Clean ? "" : allFixed && _repair ? "; ***** FILE SYSTEM WAS MODIFIED *****" : $"; {_report.Unfixed} problem(s) left");
        _report.LinesList.Add(_report.Summary);
        return Errno.OK;
    }
}
