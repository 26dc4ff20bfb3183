// Vfs.Ufs: fsck phases 2, 3 and 4 -- directory contents, connectivity and link counts (FreeBSD
// fsck_ffs pass2.c, pass3.c, pass4.c, dir.c).
//
// Phase 2 reads every directory block. A record that is malformed is dropped up to the next offset from
// which sound records run to the end of its dirblk (the gap goes to the record before it), so the names
// after it survive; the place after "." is kept for ".." (ReserveDotDot) before phase 3 can put
// lost+found or anything else there. Entries that name free or out-of-range inodes, a second "." or
// "..", or a second name for a directory are removed; a wrong d_type is corrected. Every name found
// counts one link, and each directory's parent is the directory holding its name.
// Phase 3 walks up from every directory by those parents. One that never reaches the root -- cut off,
// or part of a loop (the loop is cut at the directory where it closes) -- is linked into lost+found as
// "#ino"; then every ".." is made to name the parent. Phase 4 links unnamed files with contents into
// lost+found, clears empty ones, and sets every di_nlink to the names counted.
using System.Buffers.Binary;
using System.Text;
using UnixVfs.Core;

namespace UnixVfs.Ufs;

internal sealed partial class FsckRun
{
    private byte[] _dtype = [];
    private readonly HashSet<uint> _dotdotCounted = new();
    private readonly HashSet<uint> _dotdotPlaceholder = new();   // ".." written in phase 2 before the parent was known

    /// <summary>The fragment address of logical block <paramref name="lbn"/> of a dinode whose pointers phase 1 checked, or 0.</summary>
    private long Bmap(Dinode d, long lbn)
    {
        if (lbn < Fs.NDADDR)
            return d.Db[(int)lbn];
        long rel = lbn - Fs.NDADDR, span = _fs.Nindir;
        int level = 0;
        while (rel >= span)
        {
            rel -= span;
            if (++level >= Fs.NIADDR)
                return 0;
            span *= _fs.Nindir;
        }
        long p = d.Ib[level];
        var buf = new byte[_fs.Bsize];
        for (int l = level; l >= 0 && p != 0; l--)
        {
            if (!UfsBmap.ValidBlock(_fs, p) || Read(p, buf) != Errno.OK)
                return 0;
            long factor = 1;
            for (int i = 0; i < l; i++)
                factor *= _fs.Nindir;
            p = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan((int)(rel / factor % _fs.Nindir) * 8));
            rel %= factor;
        }
        return p;
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for each dirblk of directory <paramref name="dir"/> (its offset and bytes); a
    /// dirblk the visitor changed is written back (with -y). Returns OK or EIO.
    /// </summary>
    private Errno ForEachDirblk(uint dir, Func<long, Span<byte>, bool> visit)
    {
        var d = new Dinode();
        var err = GetDinode(dir, d);
        if (err != Errno.OK)
            return err;
        var buf = new byte[_fs.Bsize];
        long nblocks = Fs.Howmany(d.DiSize, _fs.Bsize);
        for (long lbn = 0; lbn < nblocks; lbn++)
        {
            long bno = Bmap(d, lbn);
            int len = (int)Math.Min(_fs.Sblksize(d.DiSize, lbn), d.DiSize - _fs.Lblktosize(lbn)) & ~(UfsDir.DirBlkSiz - 1);
            if (bno == 0 || len == 0)
                continue;
            var span = buf.AsSpan(0, len);
            if (Read(bno, span) != Errno.OK)
            {
                Problem($"CANNOT READ BLOCK {bno} OF DIRECTORY I={dir}", "SKIPPED", fixable: false);
                continue;
            }
            bool dirty = false;
            for (int off = 0; off < len; off += UfsDir.DirBlkSiz)
                dirty |= visit(_fs.Lblktosize(lbn) + off, span.Slice(off, UfsDir.DirBlkSiz));
            if (dirty)
                Write(bno, span);
        }
        return Errno.OK;
    }

    private static string NameOf(ReadOnlySpan<byte> e) => FsName.Visible(FsName.Decode(UfsDir.Name(e)));

    /// <summary>True when the record at <paramref name="p"/> of a dirblk is well formed (an empty one needs only a sound d_reclen).</summary>
    private static bool RecordOk(ReadOnlySpan<byte> blk, int p)
    {
        if (p > UfsDir.DirBlkSiz - UfsDir.MinRecLen)
            return false;
        var e = blk[p..];
        int reclen = UfsDir.Reclen(e);
        if (reclen < UfsDir.MinRecLen || (reclen & 3) != 0 || reclen > UfsDir.DirBlkSiz - p)
            return false;
        if (UfsDir.Ino(e) == 0)
            return true;
        int namlen = UfsDir.Namlen(e);
        return namlen > 0 && Fs.DirectSiz(namlen) <= reclen && UfsDir.Name(e).IndexOfAny((byte)0, (byte)'/') < 0 && e[8 + namlen] == 0;
    }

    /// <summary>True when well-formed records run from <paramref name="p"/> to exactly the end of the dirblk.</summary>
    private static bool ChainOk(ReadOnlySpan<byte> blk, int p)
    {
        while (p < UfsDir.DirBlkSiz)
        {
            if (!RecordOk(blk, p))
                return false;
            p += UfsDir.Reclen(blk[p..]);
        }
        return true;
    }

    /// <summary>
    /// Makes a dirblk well formed, keeping every record that can be trusted: a malformed record is dropped up to the
    /// next offset from which well-formed records run to the end of the dirblk -- its own d_reclen when that still
    /// leads somewhere sound, else the first such 4-byte boundary -- and the gap goes to the record before it (or
    /// becomes an empty record). Only when nothing after it can be trusted does the rest of the dirblk go. Returns
    /// true when it changed the dirblk.
    /// </summary>
    private bool Salvage(uint dir, long off, Span<byte> blk)
    {
        int p = 0, prev = -1;
        bool changed = false;
        while (p < UfsDir.DirBlkSiz)
        {
            if (RecordOk(blk, p))
            {
                prev = p;
                p += UfsDir.Reclen(blk[p..]);
                continue;
            }
            if (!Problem($"DIRECTORY CORRUPTED I={dir} OFFSET {off + p}", "SALVAGED"))
                return changed;
            int reclen = p <= UfsDir.DirBlkSiz - UfsDir.MinRecLen ? UfsDir.Reclen(blk[p..]) : 0;
            int next = reclen >= UfsDir.MinRecLen && (reclen & 3) == 0 && p + reclen < UfsDir.DirBlkSiz && ChainOk(blk, p + reclen)
                ? p + reclen : p + 4;
            while (next < UfsDir.DirBlkSiz && !ChainOk(blk, next))
                next += 4;
            if (prev < 0)
            {
                blk[p..next].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(blk[(p + 4)..], (ushort)(next - p));
                prev = p;
            }
            else
                BinaryPrimitives.WriteUInt16LittleEndian(blk[(prev + 4)..], (ushort)(next - prev));
            changed = true;
            p = next;
        }
        return changed;
    }

    /// <summary>
    /// Keeps the place after "." for "..", as fsck_ffs does, before anything else can be put there (lost+found, in
    /// phase 3): when the second record of a directory is not "..", the spare room of "." or else an empty second
    /// record becomes a ".." naming the root (for the root) or, until phase 3 knows the parent, the directory itself.
    /// Returns true when it changed the dirblk.
    /// </summary>
    private bool ReserveDotDot(uint dir, Span<byte> blk)
    {
        int dotlen = UfsDir.Reclen(blk);
        if (!RecordOk(blk, 0) || UfsDir.Ino(blk) == 0 || !UfsDir.Name(blk).SequenceEqual("."u8) || !RecordOk(blk, dotlen))
            return false;
        var second = blk[dotlen..];
        if (UfsDir.Ino(second) != 0 && UfsDir.Name(second).SequenceEqual(".."u8))
            return false;
        int need = Fs.DirectSiz(2), dot = Fs.DirectSiz(1);
        bool emptySecond = UfsDir.Ino(second) == 0 && UfsDir.Reclen(second) >= need;
        bool roomInDot = dotlen - dot >= need;
        if (!emptySecond && !roomInDot)
            return false;
        if (!Problem($"MISSING '..' I={dir}", "FIXED"))
            return false;
        uint parent = dir == Fs.RootIno ? Fs.RootIno : dir;
        if (roomInDot)
        {
            // Right after ".", which keeps only its own size: no gap is left between them for an entry to take.
            BinaryPrimitives.WriteUInt16LittleEndian(blk[4..], (ushort)dot);
            UfsDir.PutEntry(blk[dot..], parent, dotlen - dot, Dinode.ToDt(Dinode.IFDIR), ".."u8);
        }
        else
            UfsDir.PutEntry(second, parent, UfsDir.Reclen(second), Dinode.ToDt(Dinode.IFDIR), ".."u8);
        if (dir == Fs.RootIno)
            _dotdot[dir] = Fs.RootIno;
        else
            _dotdotPlaceholder.Add(dir);
        return true;
    }

    /// <summary>Removes the record at <paramref name="p"/> of a dirblk whose previous record is at <paramref name="prev"/> (-1: none).</summary>
    private static void RemoveRecord(Span<byte> blk, int prev, int p)
    {
        if (prev < 0)
            BinaryPrimitives.WriteUInt32LittleEndian(blk[p..], 0);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(blk[(prev + 4)..],
                (ushort)(UfsDir.Reclen(blk[prev..]) + UfsDir.Reclen(blk[p..])));
    }

    private Errno Pass2()
    {
        _dtype = new byte[_state.Length];
        var d = new Dinode();
        for (long i = Fs.RootIno; i < _state.Length; i++)
            if (_state[i] != UState && GetDinode((uint)i, d) == Errno.OK)
                _dtype[i] = Dinode.ToDt(d.Type);
        foreach (var dir in _dirs.ToArray())
        {
            if (_state[dir] != DState)
                continue;
            var err = ForEachDirblk(dir, (off, blk) => CheckDirblk2(dir, off, blk));
            if (err != Errno.OK)
                return err;
        }
        return Errno.OK;
    }

    /// <summary>Phase 2 for one dirblk of <paramref name="dir"/> at <paramref name="off"/>. Returns true when it changed it.</summary>
    private bool CheckDirblk2(uint dir, long off, Span<byte> blk)
    {
        bool dirty = Salvage(dir, off, blk);
        int p = 0, prev = -1;
        int recno = 0;
        while (p < UfsDir.DirBlkSiz)
        {
            if (!RecordOk(blk, p))
                break; // a dirblk -n could not salvage: its length or its name cannot be trusted from here on
            var e = blk[p..];
            uint ino = UfsDir.Ino(e);
            bool first = off == 0 && recno == 0, second = off == 0 && recno == 1;
            bool removed = false;
            if (first)
                dirty |= CheckDot(dir, blk) | ReserveDotDot(dir, blk);
            else if (second && ino != 0 && UfsDir.Name(e).SequenceEqual(".."u8))
                _dotdot[dir] = ino;
            else if (ino != 0)
                removed = CheckEntry(dir, off + p, e, ref dirty);
            if (removed)
            {
                if (_repair)
                {
                    RemoveRecord(blk, prev, p);
                    dirty = true;
                    if (prev >= 0)
                    {
                        p = prev + UfsDir.Reclen(blk[prev..]);
                        recno++;
                        continue;
                    }
                }
            }
            prev = p;
            p += UfsDir.Reclen(blk[p..]);
            recno++;
        }
        return dirty;
    }

    /// <summary>The first record of a directory must be "." naming the directory itself. Returns true when it changed the dirblk.</summary>
    private bool CheckDot(uint dir, Span<byte> blk)
    {
        uint ino = UfsDir.Ino(blk);
        if (ino != 0 && UfsDir.Name(blk).SequenceEqual("."u8))
        {
            _linkCnt[dir]++;
            if (ino == dir)
                return false;
            if (!Problem($"BAD INODE NUMBER FOR '.' I={dir}", "FIXED"))
                return false;
            BinaryPrimitives.WriteUInt32LittleEndian(blk, dir);
            return true;
        }
        if (ino == 0)
        {
            if (!Problem($"MISSING '.' I={dir}", "FIXED"))
                return false;
            // "." takes only its own size, as fsck_ffs makes it; the rest stays an empty record, where ".." goes
            // (ReserveDotDot) and where nothing can come between them.
            int reclen = UfsDir.Reclen(blk), dot = Fs.DirectSiz(1);
            if (reclen - dot >= UfsDir.MinRecLen)
            {
                blk[dot..reclen].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(blk[(dot + 4)..], (ushort)(reclen - dot));
                reclen = dot;
            }
            UfsDir.PutEntry(blk, dir, reclen, Dinode.ToDt(Dinode.IFDIR), "."u8);
            _linkCnt[dir]++;
            return true;
        }
        Problem($"MISSING '.' I={dir}: FIRST ENTRY IS {NameOf(blk)}", "", fixable: false);
        CountEntry(dir, 0, blk);
        return false;
    }

    /// <summary>Phase 2 for one entry other than the leading "." and "..". Returns true when it must be removed.</summary>
    private bool CheckEntry(uint dir, long at, Span<byte> e, ref bool dirty)
    {
        uint ino = UfsDir.Ino(e);
        var name = UfsDir.Name(e);
        string? why = name.SequenceEqual("."u8) || name.SequenceEqual(".."u8) ? $"EXTRA '{NameOf(e)}' ENTRY"
            : ino < Fs.RootIno || ino >= _state.Length ? $"BAD INODE NUMBER {ino} FOR '{NameOf(e)}'"
            : _state[ino] == UState ? $"UNALLOCATED I={ino} FOR '{NameOf(e)}'"
            : _state[ino] == DState && (_parent[ino] != 0 || ino == Fs.RootIno) ? $"EXTRA LINK TO DIRECTORY I={ino} NAMED '{NameOf(e)}'"
            : null;
        if (why is not null)
            return Problem($"{why} IN DIRECTORY I={dir}", "REMOVED");
        if (UfsDir.DType(e) != _dtype[ino] && Problem($"BAD TYPE VALUE FOR '{NameOf(e)}' I={ino} IN DIRECTORY I={dir}", "FIXED"))
        {
            e[6] = _dtype[ino];
            dirty = true;
        }
        CountEntry(dir, at, e);
        return false;
    }

    private void CountEntry(uint dir, long at, ReadOnlySpan<byte> e)
    {
        uint ino = UfsDir.Ino(e);
        if (ino < Fs.RootIno || ino >= _state.Length || _state[ino] == UState)
            return;
        _linkCnt[ino]++;
        if (_state[ino] == DState && _parent[ino] == 0 && ino != Fs.RootIno)
        {
            _parent[ino] = dir;
            _parentEntry[ino] = (dir, at);
        }
        if (dir == Fs.RootIno && _state[ino] == DState && UfsDir.Name(e).SequenceEqual("lost+found"u8))
            _lostFound = ino;
        else if (dir == Fs.RootIno && _state[ino] == FState && UfsDir.Name(e).SequenceEqual(".sujournal"u8))
            _journal = ino;
    }

    private Errno Pass3()
    {
        const uint root = Fs.RootIno;
        if (_state[root] != DState)
        {
            if (!Problem("ROOT INODE UNALLOCATED OR NOT A DIRECTORY", "ALLOCATED"))
                return Errno.OK;
            if (!MakeRoot())
            {
                _report.LinesList.Add("CANNOT ALLOCATE ROOT INODE");
                return Errno.OK;
            }
        }
        var reach = new HashSet<uint> { root };
        var path = new List<uint>();
        foreach (var dir in _dirs.ToArray())
        {
            if (_state[dir] != DState || reach.Contains(dir))
                continue;
            path.Clear();
            var onPath = new HashSet<uint>();
            uint x = dir;
            while (!reach.Contains(x))
            {
                if (onPath.Contains(x))
                {
                    if (Problem($"DIRECTORY LOOP THROUGH I={x}", "DISCONNECTED") && _parentEntry.TryGetValue(x, out var pe))
                    {
                        RemoveEntryAt(pe.Dir, pe.Off);
                        _linkCnt[x]--;
                        _parent[x] = 0;
                        Reconnect(x);
                    }
                    break;
                }
                uint p = _parent[x];
                if (p == 0 || _state[p] != DState)
                {
                    if (Problem($"UNREF DIR I={x}", "RECONNECTED"))
                        Reconnect(x);
                    break;
                }
                path.Add(x);
                onPath.Add(x);
                x = p;
            }
            reach.Add(x);
            foreach (var y in path)
                reach.Add(y);
        }
        foreach (var dir in _dirs.ToArray())
        {
            if (_state[dir] != DState || _dotdotCounted.Contains(dir))
                continue;
            uint want = dir == root ? root : _parent[dir];
            uint have = _dotdot[dir];
            if (want == 0)
                continue;
            if (have == want)
            {
                _linkCnt[want]++;
                continue;
            }
            if (_dotdotPlaceholder.Contains(dir)
                || Problem(have == 0 ? $"MISSING '..' I={dir}" : $"BAD INODE NUMBER FOR '..' I={dir} ({have} SHOULD BE {want})", "FIXED"))
            {
                if (SetDotDot(dir, want))
                {
                    _dotdot[dir] = want;
                    _linkCnt[want]++;
                }
            }
            else if (have >= Fs.RootIno && have < _state.Length && _state[have] == DState)
                _linkCnt[have]++;
        }
        return Errno.OK;
    }

    private Errno Pass4()
    {
        for (long i = Fs.RootIno; i < _state.Length; i++)
        {
            uint ino = (uint)i;
            if (_state[ino] != FState || _linkCnt[ino] != 0)
                continue;
            var d = new Dinode();
            if (GetDinode(ino, d) != Errno.OK)
                continue;
            if (d.DiSize == 0 && d.Blocks == 0)
            {
                if (Problem($"UNREF FILE I={ino} (EMPTY)", "CLEARED"))
                    ClearInode(ino);
            }
            else if (Problem($"UNREF FILE I={ino} SIZE {d.DiSize}", "RECONNECTED"))
                Reconnect(ino);
        }
        for (long i = Fs.RootIno; i < _state.Length; i++)
        {
            uint ino = (uint)i;
            if (_state[ino] == UState || _linkCnt[ino] == _diNlink[ino] || (_linkCnt[ino] == 0 && !_repair))
                continue;
            string kind = _state[ino] == DState ? "DIR" : "FILE";
            if (!Problem($"LINK COUNT {kind} I={ino} COUNT {_diNlink[ino]} SHOULD BE {_linkCnt[ino]}", "ADJUSTED"))
                continue;
            var d = new Dinode();
            if (GetDinode(ino, d) != Errno.OK)
                continue;
            d.Nlink = (short)Math.Min(_linkCnt[ino], short.MaxValue);
            PutDinode(ino, d);
            _diNlink[ino] = d.Nlink;
        }
        return Errno.OK;
    }

    // --- repairs that add names ---

    /// <summary>Links <paramref name="ino"/> into lost+found as "#ino" (creating lost+found if needed). -y only.</summary>
    private void Reconnect(uint ino)
    {
        if (!EnsureLostFound())
        {
            _report.LinesList.Add($"NO lost+found TO RECONNECT I={ino} TO");
            _report.Unfixed++;
            return;
        }
        if (ino == _lostFound)
            return;
        if (!Enter(_lostFound, $"#{ino}", ino, _dtype[ino], out long at))
        {
            _report.LinesList.Add($"NO SPACE IN lost+found FOR I={ino}");
            _report.Unfixed++;
            return;
        }
        _linkCnt[ino]++;
        if (_state[ino] == DState)
        {
            _parent[ino] = _lostFound;
            _parentEntry[ino] = (_lostFound, at);
        }
    }

    /// <summary>Makes sure lost+found exists in the root, creating it in a free inode and fragment if not.</summary>
    private bool EnsureLostFound()
    {
        if (_lostFound != 0 && _state[_lostFound] == DState)
            return true;
        uint ino = 0;
        for (long i = Fs.RootIno + 1; i < _state.Length && ino == 0; i++)
            if (_state[i] == UState && i % _fs.Ipg < _inited[_fs.InoToCg((uint)i)])
                ino = (uint)i;
        long frag = FindFree(1);
        if (ino == 0 || frag < 0)
            return false;
        if (!MakeDir(ino, frag, Fs.RootIno, 0x1C0))
            return false;
        if (!Enter(Fs.RootIno, "lost+found", ino, Dinode.ToDt(Dinode.IFDIR), out long at))
        {
            ClearInode(ino);
            Unmark(frag, 1);
            _dirs.Remove(ino);
            return false;
        }
        _lostFound = ino;
        _linkCnt[ino] = 2; // "." and its name in the root
        _parent[ino] = Fs.RootIno;
        _parentEntry[ino] = (Fs.RootIno, at);
        _dotdot[ino] = Fs.RootIno;
        _linkCnt[Fs.RootIno]++;
        _dotdotCounted.Add(ino);
        _report.LinesList.Add($"CREATED lost+found AS I={ino}");
        return true;
    }

    /// <summary>Writes a new directory <paramref name="ino"/> in one fragment at <paramref name="frag"/>, with "." and "..".</summary>
    private bool MakeDir(uint ino, long frag, uint parent, int perm)
    {
        var blk = new byte[_fs.Fsize];
        UfsDir.WriteTemplate(blk, ino, parent);
        for (int off = UfsDir.DirBlkSiz; off < _fs.Fsize; off += UfsDir.DirBlkSiz)
            BinaryPrimitives.WriteUInt16LittleEndian(blk.AsSpan(off + 4), UfsDir.DirBlkSiz);
        if (Write(frag, blk) != Errno.OK)
            return false;
        var d = new Dinode();
        if (GetDinode(ino, d) != Errno.OK)
            return false;
        d.Clear();
        d.Mode = (ushort)(Dinode.IFDIR | perm);
        d.Nlink = 2;
        d.DiSize = _fs.Fsize;
        d.Blocks = _fs.Fsize / Fs.DevBsize;
        d.Db[0] = frag;
        d.Atime = d.Mtime = d.Ctime = d.Birthtime = _now.Sec;
        d.Atimensec = d.Mtimensec = d.Ctimensec = d.Birthnsec = (int)_now.Nsec;
        if (PutDinode(ino, d) != Errno.OK)
            return false;
        MarkUsed(frag, 1);
        _state[ino] = DState;
        _dtype[ino] = Dinode.ToDt(Dinode.IFDIR);
        _diNlink[ino] = 2;
        _dirs.Add(ino);
        return true;
    }

    /// <summary>Replaces a lost root directory: inode 2, one fragment, "." and "..". -y only.</summary>
    private bool MakeRoot()
    {
        if (_state[Fs.RootIno] != UState)
            FreeInode(Fs.RootIno); // a root that is not a directory: what it owned is free again
        long frag = FindFree(1);
        if (frag < 0 || !MakeDir(Fs.RootIno, frag, Fs.RootIno, 0x1ED))
            return false;
        _linkCnt[Fs.RootIno] = 1; // "."; ".." is counted in the ".." pass
        _lostFound = 0;
        return true;
    }

    /// <summary>
    /// Adds the entry <paramref name="name"/> -> <paramref name="ino"/> to directory <paramref name="dir"/>, in the first
    /// gap that fits, growing the directory by a fragment if none does. Returns false when it cannot. The gap after "."
    /// is never used: ".." must stay the second record, and phase 2 may have put it after such a gap (ReserveDotDot).
    /// </summary>
    private bool Enter(uint dir, string name, uint ino, byte dtype, out long at)
    {
        var nb = Encoding.UTF8.GetBytes(name);
        int need = Fs.DirectSiz(nb.Length);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            long found = -1;
            ForEachDirblk(dir, (off, blk) =>
            {
                if (found >= 0)
                    return false;
                for (int p = 0; p < UfsDir.DirBlkSiz; p += UfsDir.Reclen(blk[p..]))
                {
                    var e = blk[p..];
                    int reclen = UfsDir.Reclen(e);
                    if (reclen < UfsDir.MinRecLen || reclen > UfsDir.DirBlkSiz - p)
                        return false;
                    if (off == 0 && p == 0)
                        continue; // "."
                    if (UfsDir.Ino(e) == 0 && reclen >= need)
                    {
                        UfsDir.PutEntry(e, ino, reclen, dtype, nb);
                        found = off + p;
                        return true;
                    }
                    int used = Fs.DirectSiz(UfsDir.Namlen(e));
                    if (UfsDir.Ino(e) != 0 && reclen - used >= need)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(e[4..], (ushort)used);
                        UfsDir.PutEntry(e[used..], ino, reclen - used, dtype, nb);
                        found = off + p + used;
                        return true;
                    }
                }
                return false;
            });
            if (found >= 0)
            {
                at = found;
                return true;
            }
            if (attempt == 0 && !GrowDir(dir))
                break;
        }
        at = -1;
        return false;
    }

    /// <summary>Adds one fragment of empty dirblks to directory <paramref name="dir"/> (its last block must stay below 12 blocks).</summary>
    private bool GrowDir(uint dir)
    {
        var d = new Dinode();
        if (GetDinode(dir, d) != Errno.OK)
            return false;
        long size = d.DiSize;
        long lbn = _fs.Lblkno(size);
        int ofrags = _fs.Numfrags(_fs.Fragroundup(_fs.Blkoff(size)));
        if (lbn >= Fs.NDADDR || (ofrags == 0 && lbn > 0 && d.Db[(int)(lbn - 1)] == 0))
            return false;
        var empty = new byte[_fs.Fsize];
        for (int off = 0; off < _fs.Fsize; off += UfsDir.DirBlkSiz)
            BinaryPrimitives.WriteUInt16LittleEndian(empty.AsSpan(off + 4), UfsDir.DirBlkSiz);
        if (ofrags == 0)
        {
            long frag = FindFree(1);
            if (frag < 0 || Write(frag, empty) != Errno.OK)
                return false;
            MarkUsed(frag, 1);
            d.Db[(int)lbn] = frag;
        }
        else
        {
            if (ofrags >= _fs.Frag)
                return false;
            long old = d.Db[(int)lbn];
            long frag = FindFree(ofrags + 1);
            if (frag < 0)
                return false;
            var content = new byte[(ofrags + 1) * _fs.Fsize];
            if (Read(old, content.AsSpan(0, ofrags * _fs.Fsize)) != Errno.OK)
                return false;
            empty.CopyTo(content.AsSpan(ofrags * _fs.Fsize));
            if (Write(frag, content) != Errno.OK)
                return false;
            Unmark(old, ofrags);
            MarkUsed(frag, ofrags + 1);
            d.Db[(int)lbn] = frag;
        }
        d.DiSize = _fs.Lblktosize(lbn) + (ofrags + 1L) * _fs.Fsize;
        d.Blocks += _fs.Fsize / Fs.DevBsize;
        return PutDinode(dir, d) == Errno.OK;
    }

    /// <summary>Removes the entry at byte <paramref name="at"/> of directory <paramref name="dir"/>.</summary>
    private void RemoveEntryAt(uint dir, long at)
    {
        long dirblk = at & ~(long)(UfsDir.DirBlkSiz - 1);
        ForEachDirblk(dir, (off, blk) =>
        {
            if (off != dirblk)
                return false;
            int target = (int)(at - off), p = 0, prev = -1;
            while (p < target)
            {
                prev = p;
                p += UfsDir.Reclen(blk[p..]);
            }
            if (p != target)
                return false;
            RemoveRecord(blk, prev, p);
            return true;
        });
    }

    /// <summary>Makes the ".." of <paramref name="dir"/> name <paramref name="parent"/>: rewrites it, or adds it after ".".</summary>
    private bool SetDotDot(uint dir, uint parent)
    {
        bool done = false;
        ForEachDirblk(dir, (off, blk) =>
        {
            if (off != 0 || done)
                return false;
            int second = UfsDir.Reclen(blk);
            if (second < UfsDir.DirBlkSiz && UfsDir.Name(blk[second..]).SequenceEqual(".."u8))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(blk[second..], parent);
                done = true;
                return true;
            }
            if (UfsDir.Ino(blk) != 0 && UfsDir.Reclen(blk) - 12 >= 12)
            {
                int rest = UfsDir.Reclen(blk) - 12;
                BinaryPrimitives.WriteUInt16LittleEndian(blk[4..], 12);
                UfsDir.PutEntry(blk[12..], parent, rest, Dinode.ToDt(Dinode.IFDIR), ".."u8);
                done = true;
                return true;
            }
            return false;
        });
        if (!done)
            Problem($"NO ROOM FOR '..' IN DIRECTORY I={dir}", "", fixable: false);
        return done;
    }
}
