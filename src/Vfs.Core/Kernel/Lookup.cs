// Vfs.Core: path name lookup (lookuppn / lookuppnvp): turning "/a/b/../c" into a vnode.
//
// One component at a time, starting at the root or the current directory:
//   - "." and ordinary names go to VOP_LOOKUP of the directory in hand (which checks search
//     permission and consults the DNLC);
//   - ".." at the root of a mounted vfs first steps back to the directory that vfs covers, then
//     looks up ".." there; at the process's root it stays put;
//   - a vnode with v_vfsmountedhere is replaced by the root of the vfs mounted on it, repeatedly
//     (mounts may be stacked);
//   - a symbolic link, unless it is the last component and the caller said not to follow, is read
//     and its text spliced in front of what is left of the path; more than MaxSymlinks of them
//     in one lookup is ELOOP.
// Names longer than NAME_MAX bytes are ENAMETOOLONG, paths of PATH_MAX bytes or more too; a NUL
// in a path is EINVAL; walking through a non-directory is ENOTDIR.
//
// MOUNT TRAILS. A vfs may cover more than one directory (the mirror covers both of its directories),
// so "the directory under this root" is not one vnode. The walk therefore carries a trail: the
// directories it crossed downward, newest first. ".." at a vfs root leaves by the directory it came
// in by when the trail says so, and by vfs_vnodecovered otherwise. A process's current directory keeps
// the trail it was reached by, so `cd /A/b; cd ..` returns to /A even when /A/b and /X/y are one mirror.

namespace UnixVfs.Core;

/// <summary>The directories a lookup crossed into mounted file systems, newest first.</summary>
public sealed record MountTrail(Vnode Covered, MountTrail? Next);

/// <summary>What a lookup found.</summary>
public struct LookupResult
{
    /// <summary>The directory holding the last component (held), when the caller asked for it; else null.</summary>
    public Vnode? Dvp;
    /// <summary>The vnode the path names (held), or null when only the last component was missing and the caller asked for the parent.</summary>
    public Vnode? Vp;
    /// <summary>The last component as it was looked up ("." for a path of only slashes).</summary>
    public string Name;
    /// <summary>The mount trail of Vp (or of Dvp when Vp is null).</summary>
    public MountTrail? Trail;
    /// <summary>True when the path ended in '/': the last component must be a directory.</summary>
    public bool TrailingSlash;

    /// <summary>Releases whatever holds this result carries.</summary>
    public void Release()
    {
        Dvp?.Rele();
        Vp?.Rele();
        Dvp = Vp = null;
    }
}

public sealed partial class Process
{
    /// <summary>
    /// lookupname: the vnode <paramref name="path"/> names, held; <paramref name="follow"/> says whether a
    /// final symbolic link is followed. <paramref name="canonical"/> is the absolute path, "." and ".."
    /// resolved lexically (for display: mount points, getcwd fallbacks).
    /// Returns OK, ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG, EINVAL, EIO.
    /// </summary>
    public Errno Lookupname(string path, bool follow, out Vnode? vp, out string canonical)
    {
        canonical = "";
        var err = Lookuppn(path, follow, wantParent: false, out var r);
        vp = r.Vp;
        if (err == Errno.OK)
            canonical = Canonical(path);
        return err;
    }

    /// <summary>lookupname without the canonical path.</summary>
    public Errno Lookupname(string path, bool follow, out Vnode? vp)
    {
        var err = Lookuppn(path, follow, wantParent: false, out var r);
        vp = r.Vp;
        return err;
    }

    /// <summary>
    /// lookuppn: resolves <paramref name="path"/>. With <paramref name="wantParent"/>, also returns the
    /// directory holding the last component and that component's name, and a missing last component is
    /// OK (Vp null) so that the caller can create it. On error nothing is held.
    /// </summary>
    /// <remarks>
    /// The walk reads like xv6's namex, in named steps: NextComponent; LookupComponent, which climbs out of
    /// mounted roots for ".." (ClimbToCovered); CrossMounts down into what is mounted on the vnode found;
    /// FollowSymlink; and the three ways to finish (FoundLast, ParentOnly, and the directory in hand when
    /// the path runs out).
    /// HOLDS. Between steps the walk holds exactly one vnode, w.Cur. A step that fails has released what it
    /// took itself, never w.Cur. w.Cur is let go of in one place, after the loop, when the walk fails;
    /// otherwise a finishing step hands it to the result (or releases it when the caller did not ask for it).
    /// </remarks>
    public Errno Lookuppn(string path, bool followLast, bool wantParent, out LookupResult res)
    {
        res = default;
        var err = CheckPath(path);
        if (err != Errno.OK)
            return err;
        var w = StartWalk(path);
        while (NextComponent(w, out var c))
        {
            err = LookupComponent(ref w, c, out var next);
            if (err == Errno.ENOENT && c.IsLast && wantParent)
                return ParentOnly(w, c, out res);
            var nextTrail = w.Trail;
            if (err == Errno.OK)
                err = CrossMounts(ref next!, ref nextTrail);
            if (err != Errno.OK)
                break;
            if (next!.Type == VType.VLNK && (!c.IsLast || followLast || c.TrailingSlash))
            {
                if ((err = FollowSymlink(ref w, next, c)) != Errno.OK)
                    break;
                continue;
            }
            if (c.IsLast)
            {
                if (c.TrailingSlash && next.Type != VType.VDIR)
                {
                    next.Rele();
                    err = Errno.ENOTDIR;
                    break;
                }
                return FoundLast(w, next, nextTrail, c, wantParent, out res);
            }
            w.Cur.Rele();
            w.Cur = next;
            w.Trail = nextTrail;
            w.Pos = c.End;
        }
        if (err != Errno.OK)
        {
            w.Cur.Rele();
            return err;
        }
        // Nothing left: the path (or a link's text) was only slashes, or ended after a component already
        // consumed. The result is the directory in hand.
        res = new LookupResult { Vp = w.Cur, Trail = w.Trail, Name = "." };
        if (wantParent)
        {
            w.Cur.Hold();
            res.Dvp = w.Cur;
        }
        return Errno.OK;
    }

    /// <summary>Where a walk is: the directory in hand (held), its mount trail, and the text left to walk.</summary>
    private struct Walk
    {
        public Vnode Cur;
        public MountTrail? Trail;
        /// <summary>The path being walked from Pos on; replaced only when a symbolic link's text is spliced in.</summary>
        public string Rest;
        public int Pos;
        public int Symlinks;
    }

    /// <summary>One component of the path: its name and where the text after it starts.</summary>
    private readonly record struct Component(string Name, int End, bool IsLast, bool TrailingSlash);

    /// <summary>Starts at the root for an absolute path, else at the current directory (with its trail), held.</summary>
    private Walk StartWalk(string path)
    {
        var w = new Walk { Rest = path };
        if (path[0] == '/')
            w.Cur = Kernel.RootDir;
        else
            lock (_cwdLock)
            {
                w.Cur = _cwd;
                w.Trail = _cwdTrail;
            }
        w.Cur.Hold();
        return w;
    }

    /// <summary>The next name of the walk after any slashes, or false when only slashes (or nothing) are left.</summary>
    private static bool NextComponent(in Walk w, out Component c)
    {
        string rest = w.Rest;
        int i = w.Pos;
        while (i < rest.Length && rest[i] == '/')
            i++;
        if (i == rest.Length)
        {
            c = default;
            return false;
        }
        int j = rest.IndexOf('/', i);
        int k = j < 0 ? rest.Length : j;
        string name = rest[i..k];
        while (k < rest.Length && rest[k] == '/')
            k++;
        bool isLast = k == rest.Length;
        c = new Component(name, k, isLast, isLast && j >= 0);
        return true;
    }

    /// <summary>
    /// Looks one component up in w.Cur (VOP_LOOKUP, which checks search permission and asks the DNLC). ".." first
    /// climbs out of mounted roots, which may replace w.Cur, and at the process's root stays put.
    /// <paramref name="next"/> comes back held.
    /// </summary>
    private Errno LookupComponent(ref Walk w, in Component c, out Vnode? next)
    {
        next = null;
        if (c.Name.Length > Limits.NameMax / FsName.MaxBytesPerChar && FsName.ByteCount(c.Name) > Limits.NameMax)
            return Errno.ENAMETOOLONG;
        if (w.Cur.Type != VType.VDIR)
            return Errno.ENOTDIR;
        if (c.Name == "..")
        {
            ClimbToCovered(ref w.Cur, ref w.Trail);
            if (ReferenceEquals(w.Cur, Kernel.RootDir))
            {
                next = w.Cur;
                next.Hold();
                return Errno.OK;
            }
        }
        return Vop.Lookup(w.Cur, c.Name, out next, LookupFlags.None, Kernel.RootDir, Cred);
    }

    /// <summary>
    /// Splices the text of symbolic link <paramref name="link"/> (held; released here) in front of what is left of
    /// the path; an absolute target restarts the walk at the root. ELOOP after MaxSymlinks links in one lookup.
    /// </summary>
    private Errno FollowSymlink(ref Walk w, Vnode link, in Component c)
    {
        if (++w.Symlinks > Limits.MaxSymlinks)
        {
            link.Rele();
            return Errno.ELOOP;
        }
        var err = ReadLinkText(link, out var target);
        link.Rele();
        if (err == Errno.OK && target.Length == 0)
            err = Errno.ENOENT;
        if (err != Errno.OK)
            return err;
        string spliced = c.End < w.Rest.Length ? target + "/" + w.Rest[c.End..] : c.TrailingSlash ? target + "/" : target;
        if ((err = CheckPath(spliced)) != Errno.OK)
            return err;
        if (spliced[0] == '/')
        {
            w.Cur.Rele();
            w.Cur = Kernel.RootDir;
            w.Cur.Hold();
            w.Trail = null;
        }
        w.Rest = spliced;
        w.Pos = 0;
        return Errno.OK;
    }

    /// <summary>The last component is <paramref name="vp"/> (held): the result, with w.Cur as its parent, or released.</summary>
    private static Errno FoundLast(in Walk w, Vnode vp, MountTrail? trail, in Component c, bool wantParent, out LookupResult res)
    {
        res = new LookupResult { Vp = vp, Trail = trail, Name = c.Name, TrailingSlash = c.TrailingSlash };
        if (wantParent)
            res.Dvp = w.Cur;
        else
            w.Cur.Rele();
        return Errno.OK;
    }

    /// <summary>Only the last component is missing and the caller will create it: the result is its directory, w.Cur.</summary>
    private static Errno ParentOnly(in Walk w, in Component c, out LookupResult res)
    {
        res = new LookupResult { Dvp = w.Cur, Name = c.Name, Trail = w.Trail, TrailingSlash = c.TrailingSlash };
        return Errno.OK;
    }

    /// <summary>At the root of a mounted vfs, steps back to the directory it covers (repeatedly, for stacked mounts).</summary>
    private void ClimbToCovered(ref Vnode cur, ref MountTrail? trail)
    {
        while (cur.IsRoot && !ReferenceEquals(cur, Kernel.RootDir))
        {
            Vnode? covered;
            if (trail is not null && ReferenceEquals(trail.Covered.VfsMountedHere, cur.Vfs))
            {
                covered = trail.Covered;
                trail = trail.Next;
            }
            else
                covered = cur.Vfs.VnodeCovered;
            if (covered is null)
                return;
            covered.Hold();
            cur.Rele();
            cur = covered;
        }
    }

    /// <summary>Replaces a mounted-on directory by the root of what is mounted there (traverse()).</summary>
    private static Errno CrossMounts(ref Vnode vp, ref MountTrail? trail)
    {
        while (vp.VfsMountedHere is { } mounted)
        {
            var err = VfsOp.Root(mounted, out var root);
            if (err != Errno.OK)
            {
                vp.Rele();
                return err;
            }
            trail = new MountTrail(vp, trail);
            vp.Rele();
            vp = root!;
        }
        return Errno.OK;
    }

    private Errno ReadLinkText(Vnode vp, out string target)
    {
        target = "";
        var buf = new byte[Limits.PathMax];
        var uio = new Uio(buf, 0, UioRw.UIO_READ);
        var err = Vop.Readlink(vp, uio, Cred);
        if (err != Errno.OK)
            return err;
        target = FsName.Decode(buf.AsSpan(0, (int)(buf.Length - uio.Resid)));
        return Errno.OK;
    }

    /// <summary>EINVAL for a NUL or a string that is not a name string (see FsName), ENOENT for an empty path, ENAMETOOLONG for PATH_MAX bytes or more.</summary>
    internal static Errno CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return Errno.ENOENT;
        if (path.Contains('\0') || !FsName.IsNameString(path))
            return Errno.EINVAL;
        if (path.Length >= Limits.PathMax || (path.Length >= Limits.PathMax / FsName.MaxBytesPerChar && FsName.ByteCount(path) >= Limits.PathMax))
            return Errno.ENAMETOOLONG;
        return Errno.OK;
    }

    /// <summary>The absolute form of <paramref name="path"/> with "." and ".." resolved lexically against the cwd.</summary>
    internal string Canonical(string path)
    {
        var parts = new List<string>();
        if (path.Length == 0 || path[0] != '/')
            parts.AddRange(CwdPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var c in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (c == ".")
                continue;
            if (c == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(c);
        }
        return "/" + string.Join('/', parts);
    }
}
