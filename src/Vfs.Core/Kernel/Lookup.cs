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
using System.Text;

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
    public Errno Lookuppn(string path, bool followLast, bool wantParent, out LookupResult res)
    {
        res = default;
        var err = CheckPath(path);
        if (err != Errno.OK)
            return err;

        Vnode cur;
        MountTrail? trail;
        if (path[0] == '/')
        {
            cur = Kernel.RootDir;
            trail = null;
        }
        else
        {
            lock (_cwdLock)
            {
                cur = _cwd;
                trail = _cwdTrail;
            }
        }
        cur.Hold();

        // The walk reads rest from pos on; rest changes only when a symbolic link's text is spliced in.
        string rest = path;
        int pos = 0;
        int symlinks = 0;
        while (true)
        {
            int i = pos;
            while (i < rest.Length && rest[i] == '/')
                i++;
            if (i == rest.Length)
            {
                // Nothing left: the path (or a link's text) was only slashes, or ended after a component
                // already consumed. The result is the directory in hand.
                res.Vp = cur;
                res.Trail = trail;
                res.Name = ".";
                if (wantParent)
                {
                    cur.Hold();
                    res.Dvp = cur;
                }
                return Errno.OK;
            }
            int j = rest.IndexOf('/', i);
            string comp = j < 0 ? rest[i..] : rest[i..j];
            int k = j < 0 ? rest.Length : j;
            while (k < rest.Length && rest[k] == '/')
                k++;
            bool isLast = k == rest.Length;
            bool trailingSlash = isLast && j >= 0;

            if (comp.Length > Limits.NameMax / 3 && Encoding.UTF8.GetByteCount(comp) > Limits.NameMax)
            {
                cur.Rele();
                return Errno.ENAMETOOLONG;
            }
            if (cur.Type != VType.VDIR)
            {
                cur.Rele();
                return Errno.ENOTDIR;
            }

            if (comp == "..")
                ClimbToCovered(ref cur, ref trail);

            Vnode? next;
            if (comp == ".." && ReferenceEquals(cur, Kernel.RootDir))
            {
                next = cur;
                next.Hold();
                err = Errno.OK;
            }
            else
                err = Vop.Lookup(cur, comp, out next, LookupFlags.None, Kernel.RootDir, Cred);

            if (err == Errno.ENOENT && isLast && wantParent)
            {
                res.Dvp = cur;
                res.Vp = null;
                res.Name = comp;
                res.Trail = trail;
                res.TrailingSlash = trailingSlash;
                return Errno.OK;
            }
            if (err != Errno.OK)
            {
                cur.Rele();
                return err;
            }

            var nextTrail = trail;
            err = CrossMounts(ref next!, ref nextTrail);
            if (err != Errno.OK)
            {
                cur.Rele();
                return err;
            }

            if (next.Type == VType.VLNK && (!isLast || followLast || trailingSlash))
            {
                if (++symlinks > Limits.MaxSymlinks)
                {
                    next.Rele();
                    cur.Rele();
                    return Errno.ELOOP;
                }
                err = ReadLinkText(next, out var target);
                next.Rele();
                if (err == Errno.OK && target.Length == 0)
                    err = Errno.ENOENT;
                string spliced = k < rest.Length ? target + "/" + rest[k..] : trailingSlash ? target + "/" : target;
                if (err == Errno.OK)
                    err = CheckPath(spliced);
                if (err != Errno.OK)
                {
                    cur.Rele();
                    return err;
                }
                if (spliced[0] == '/')
                {
                    cur.Rele();
                    cur = Kernel.RootDir;
                    cur.Hold();
                    trail = null;
                }
                rest = spliced;
                pos = 0;
                continue;
            }

            if (isLast)
            {
                if (trailingSlash && next.Type != VType.VDIR)
                {
                    next.Rele();
                    cur.Rele();
                    return Errno.ENOTDIR;
                }
                res.Vp = next;
                res.Trail = nextTrail;
                res.Name = comp;
                res.TrailingSlash = trailingSlash;
                if (wantParent)
                    res.Dvp = cur;
                else
                    cur.Rele();
                return Errno.OK;
            }
            cur.Rele();
            cur = next;
            trail = nextTrail;
            pos = k;
        }
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
        target = Encoding.UTF8.GetString(buf, 0, (int)(buf.Length - uio.Resid));
        return Errno.OK;
    }

    /// <summary>EINVAL for a NUL or a lone surrogate (see FsSubr.CheckName), ENOENT for an empty path, ENAMETOOLONG for PATH_MAX bytes or more.</summary>
    internal static Errno CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
            return Errno.ENOENT;
        if (path.Contains('\0') || !FsSubr.IsWellFormed(path))
            return Errno.EINVAL;
        if (path.Length >= Limits.PathMax || (path.Length >= Limits.PathMax / 3 && Encoding.UTF8.GetByteCount(path) >= Limits.PathMax))
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
