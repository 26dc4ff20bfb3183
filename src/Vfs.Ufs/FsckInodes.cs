// Vfs.Ufs: fsck phases 1 and 1b -- every inode and the fragments it owns (FreeBSD fsck_ffs pass1.c,
// pass1b.c, inode.c's ckinode).
//
// Walk lists every run an inode owns: its direct blocks (the last one, below 12 blocks, a fragment run
// sized by di_size), its indirect blocks and what they point to, and its extended-attribute blocks. A
// pointer outside the file system, not aligned to a block, or crossing a block, is bad: the inode is
// cleared. A pointer past the end of the file (a truncation a crash interrupted) is zeroed. What is
// left is counted against di_blocks and recorded in the fragment map; a fragment found twice is a DUP,
// and phase 1b clears every inode that owns one.
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal sealed partial class FsckRun
{
    /// <summary>What Walk found.</summary>
    private struct WalkStats
    {
        /// <summary>Fragments owned (data, indirect and extended-attribute blocks).</summary>
        public long Frags;
        /// <summary>Pointers outside the file system or misaligned.</summary>
        public int Bad;
        /// <summary>Logical data blocks mapped within the file's size.</summary>
        public long Mapped;
    }

    private readonly List<(long Bno, int Frags)> _runs = new();
    private byte[][]? _indBufs;

    /// <summary>True when the dinode's block pointers are pointers (not a device number or inline symlink text).</summary>
    private bool HasBlocks(Dinode d) =>
        d.Type is Dinode.IFREG or Dinode.IFDIR || (d.Type == Dinode.IFLNK && d.DiSize >= _fs.Maxsymlinklen);

    /// <summary>
    /// Collects into _runs every run <paramref name="d"/> owns. With <paramref name="fixBeyond"/> (and -y), pointers past
    /// the end of the file are zeroed: in the dinode (<paramref name="changed"/> says so) or in the indirect block.
    /// </summary>
    private void Walk(uint ino, Dinode d, bool fixBeyond, out WalkStats st, out bool changed)
    {
        st = default;
        changed = false;
        _runs.Clear();
        if (!HasBlocks(d))
            return;
        _indBufs ??= [new byte[_fs.Bsize], new byte[_fs.Bsize], new byte[_fs.Bsize]];
        long size = d.DiSize;
        long nblocks = Fs.Howmany(size, _fs.Bsize);
        for (int lbn = 0; lbn < Fs.NDADDR; lbn++)
        {
            long p = d.Db[lbn];
            if (p == 0)
                continue;
            if (lbn >= nblocks)
            {
                if (fixBeyond && Problem($"BLOCK {p} PAST END OF FILE I={ino}", "CLEARED"))
                {
                    d.Db[lbn] = 0;
                    changed = true;
                }
                continue;
            }
            int frags = Math.Max(1, _fs.Numfrags(_fs.Sblksize(size, lbn)));
            if (!_fs.ValidRange(p, frags) || _fs.Fragnum(p) + frags > _fs.Frag)
            {
                st.Bad++;
                continue;
            }
            _runs.Add((p, frags));
            st.Frags += frags;
            st.Mapped++;
        }
        long start = Fs.NDADDR, span = _fs.Nindir;
        for (int level = 0; level < Fs.NIADDR; level++)
        {
            long p = d.Ib[level];
            if (p != 0)
            {
                if (start >= nblocks)
                {
                    if (fixBeyond && Problem($"INDIRECT BLOCK {p} PAST END OF FILE I={ino}", "CLEARED"))
                    {
                        d.Ib[level] = 0;
                        changed = true;
                    }
                }
                else if (!UfsBmap.ValidBlock(_fs, p))
                    st.Bad++;
                else
                {
                    _runs.Add((p, _fs.Frag));
                    st.Frags += _fs.Frag;
                    WalkIndirect(ino, p, level, start, nblocks, fixBeyond, ref st);
                }
            }
            start += span;
            span = span > long.MaxValue / _fs.Nindir ? long.MaxValue / 2 : span * _fs.Nindir;
        }
        long xblocks = Fs.Howmany(d.Extsize, _fs.Bsize);
        for (int i = 0; i < Fs.NXADDR; i++)
        {
            long p = d.Extb[i];
            if (p == 0)
                continue;
            if (i >= xblocks)
            {
                if (fixBeyond && Problem($"EXTATTR BLOCK {p} PAST END OF EXTATTR AREA I={ino}", "CLEARED"))
                {
                    d.Extb[i] = 0;
                    changed = true;
                }
                continue;
            }
            int frags = Math.Max(1, _fs.Numfrags(_fs.Sblksize(d.Extsize, i)));
            if (!_fs.ValidRange(p, frags) || _fs.Fragnum(p) + frags > _fs.Frag)
            {
                st.Bad++;
                continue;
            }
            _runs.Add((p, frags));
            st.Frags += frags;
        }
    }

    /// <summary>Walks indirect block <paramref name="bn"/> (level 0 single, 1 double, 2 triple) mapping logical blocks from <paramref name="first"/>.</summary>
    private void WalkIndirect(uint ino, long bn, int level, long first, long nblocks, bool fixBeyond, ref WalkStats st)
    {
        var buf = _indBufs![level];
        if (Read(bn, buf) != Errno.OK)
        {
            st.Bad++;
            return;
        }
        long factor = 1;
        for (int i = 0; i < level; i++)
            factor *= _fs.Nindir;
        bool dirty = false;
        for (int i = 0; i < _fs.Nindir; i++)
        {
            long p = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(i * 8));
            if (p == 0)
                continue;
            long childFirst = first + i * factor;
            if (childFirst >= nblocks)
            {
                if (fixBeyond && Problem($"BLOCK {p} PAST END OF FILE I={ino}", "CLEARED"))
                {
                    buf.AsSpan(i * 8, 8).Clear();
                    dirty = true;
                }
                continue;
            }
            if (!UfsBmap.ValidBlock(_fs, p))
            {
                st.Bad++;
                continue;
            }
            _runs.Add((p, _fs.Frag));
            st.Frags += _fs.Frag;
            if (level > 0)
            {
                WalkIndirect(ino, p, level - 1, childFirst, nblocks, fixBeyond, ref st);
                // The recursion reused deeper buffers only; this level's buffer is intact.
            }
            else
                st.Mapped++;
        }
        if (dirty)
            Write(bn, buf);
    }

    private Errno Pass1()
    {
        var cgbuf = new byte[_fs.Bsize];
        var d = new Dinode();
        for (int c = 0; c < _fs.Ncg; c++)
        {
            var err = Read(_fs.Cgtod(c), cgbuf);
            var why = err != Errno.OK ? $"cannot read: {err.Message()}" : new Cg(cgbuf).Check(_fs, c);
            if (why is not null)
            {
                _badCg[c] = true;
                _inited[c] = _fs.Ipg;
                Problem($"CYLINDER GROUP {c} HEADER BAD ({why})", "REBUILT IN PHASE 5");
            }
            else
                _inited[c] = new Cg(cgbuf).Initediblk;
            for (int i = 0; i < _inited[c]; i++)
            {
                uint ino = (uint)((long)c * _fs.Ipg + i);
                if (ino < Fs.RootIno)
                    continue;
                if ((err = GetDinode(ino, d)) != Errno.OK)
                {
                    Problem($"CANNOT READ INODE {ino}", "SKIPPED", fixable: false);
                    continue;
                }
                Check1(ino, d);
            }
        }
        return Errno.OK;
    }

    /// <summary>Phase 1 for one inode.</summary>
    private void Check1(uint ino, Dinode d)
    {
        if (d.Mode == 0)
        {
            bool residue = d.Nlink != 0 || d.DiSize != 0 || d.Blocks != 0 || ((ReadOnlySpan<long>)d.Db).IndexOfAnyExcept(0L) >= 0 || ((ReadOnlySpan<long>)d.Ib).IndexOfAnyExcept(0L) >= 0;
            if (residue && Problem($"PARTIALLY ALLOCATED INODE I={ino}", "CLEARED"))
                ClearInode(ino);
            return;
        }
        ushort type = d.Type;
        string? bad = !Dinode.ValidType(type) ? $"UNKNOWN FILE TYPE 0{Convert.ToString(d.Mode, 8)}"
            : d.DiSize < 0 || d.DiSize > _fs.MaxFileSize ? $"BAD SIZE {d.DiSize}"
            : type == Dinode.IFDIR && d.DiSize < UfsDir.DirBlkSiz ? "ZERO LENGTH DIRECTORY"
            : type == Dinode.IFLNK && d.DiSize >= Limits.PathMax ? $"SYMLINK OF LENGTH {d.DiSize}"
            : null;
        if (bad is not null)
        {
            if (Problem($"{bad} I={ino}", "CLEARED"))
                ClearInode(ino);
            return;
        }
        bool changed = false;
        if (type == Dinode.IFDIR && d.DiSize % UfsDir.DirBlkSiz != 0 && Problem($"DIRECTORY SIZE {d.DiSize} NOT A MULTIPLE OF {UfsDir.DirBlkSiz} I={ino}", "ADJUSTED"))
        {
            d.DiSize &= ~(long)(UfsDir.DirBlkSiz - 1);
            changed = true;
        }
        Walk(ino, d, fixBeyond: true, out var st, out bool walkChanged);
        changed |= walkChanged;
        // A directory whose blocks cannot all be trusted is not read in phase 2 (with -n it stays, unread).
        bool unreadable = false;
        if (st.Bad > 0)
        {
            if (Problem($"{st.Bad} BAD BLOCK POINTER(S) I={ino}", "CLEARED"))
            {
                ClearInode(ino);
                return;
            }
            unreadable = true;
        }
        if (type == Dinode.IFDIR && st.Mapped < Fs.Howmany(d.DiSize, _fs.Bsize))
        {
            if (Problem($"DIRECTORY WITH HOLES I={ino}", "CLEARED"))
            {
                ClearInode(ino);
                return;
            }
            unreadable = true;
        }
        long expected = st.Frags * (_fs.Fsize / Fs.DevBsize);
        if (d.Blocks != expected && Problem($"INCORRECT BLOCK COUNT I={ino} ({d.Blocks} should be {expected})", "CORRECTED"))
        {
            d.Blocks = expected;
            changed = true;
        }
        if (changed)
            PutDinode(ino, d);
        foreach (var (bno, frags) in _runs)
            MarkUsed(bno, frags);
        _state[ino] = type == Dinode.IFDIR ? DState : FState;
        _diNlink[ino] = d.Nlink;
        if (type == Dinode.IFDIR && !unreadable)
            _dirs.Add(ino);
    }

    private Errno Pass1b()
    {
        var d = new Dinode();
        var owners = new List<uint>();
        for (long i = Fs.RootIno; i < _state.Length; i++)
        {
            if (_state[i] == UState)
                continue;
            uint ino = (uint)i;
            if (GetDinode(ino, d) != Errno.OK)
                continue;
            Walk(ino, d, fixBeyond: false, out _, out _);
            foreach (var (bno, frags) in _runs)
            {
                bool dup = false;
                for (long f = bno; f < bno + frags && !dup; f++)
                    dup = _dups.Contains(f);
                if (dup)
                {
                    owners.Add(ino);
                    break;
                }
            }
        }
        foreach (var ino in owners)
            if (Problem($"DUP BLOCK(S) I={ino}", "CLEARED"))
            {
                if (_state[ino] == DState)
                    _dirs.Remove(ino);
                ClearInode(ino);
            }
        if (_repair)
        {
            // Rebuild the fragment map from the inodes that are left.
            Array.Clear(_used);
            MarkMetadata();
            for (long i = Fs.RootIno; i < _state.Length; i++)
            {
                if (_state[i] == UState || GetDinode((uint)i, d) != Errno.OK)
                    continue;
                Walk((uint)i, d, fixBeyond: false, out _, out _);
                foreach (var (bno, frags) in _runs)
                    for (long f = bno; f < bno + frags; f++)
                        Cg.SetBit(_used, f);
            }
        }
        _dups.Clear();
        return Errno.OK;
    }
}
