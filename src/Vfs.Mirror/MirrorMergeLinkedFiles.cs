// Vfs.Mirror: a merge of whole trees keeps a linked file that is the same file in the target (beyond the patent).
//
// A file with one link under a name both copies have is taken for the same file and rewritten in place, so it keeps
// its inode: a client's handle of it in the target stays good. A file with several links cannot be judged by one
// name: the target's file may be an old file that kept one of the names while the source's was made again and
// linked (docs/verification.md, seed 563026: rewritten in place, the old file took the new one's bytes and names).
// Made afresh instead, a file the other master of Fig. 7 was writing through a handle went stale there, and that
// master took the copy out of use (Fixed 94: a master's mount-time merge after its restart brought back a write its
// disk lost). So in a walk of whole trees (TwoWay, OneWay), a linked regular file met under its first name, with as
// many links in the target and no twin known there yet, waits: each further name of the source's file that leads to
// the same file in the target is counted. When every one of the source's names has led there, the target's file has
// those names and no others; it is the source's file, rewritten in place, and its twin for the rest of the merge.
// When a name leads elsewhere, or the walk ends first, each name met is replaced as before: the first made afresh,
// the others linked to it.
//
// INVARIANT. A file waits here at most once per target, held with its source's file and the directories of the names
// met, and never also in HardLinks: it is added there when confirmed, and replaced (so HardLinks gets the new file)
// when refuted. Every hold is let go of by Confirm, Refute or the end of the walk (ReleasePending).
namespace UnixVfs.Mirror;

internal sealed partial class MirrorMerge
{
    /// <summary>A linked file of a target under the names met so far of the source's file it may be (see the file's comment).</summary>
    private sealed class PendingLink(Vnode source, Vattr sourceAttrs, Vnode target, Vattr targetAttrs)
    {
        public readonly Vnode Source = source, Target = target;
        public readonly Vattr SourceAttrs = sourceAttrs, TargetAttrs = targetAttrs;
        public readonly List<(Vnode From, Vnode To, string Name)> Names = new();
    }

    private readonly Dictionary<(int Copy, ulong Fsid, ulong NodeId), PendingLink> _pendingLinks = new();

    /// <summary>Whether linked files wait for all their names (a walk of whole trees is running).</summary>
    private bool _walkingTrees;

    /// <summary>
    /// Replace's first step for a linked regular file under <paramref name="name"/> in a walk of whole trees: true when
    /// the name was taken care of here (it waits, or it was the last name and the file was rewritten in place); false
    /// when Replace goes on as for any file, a refuted file's names replaced first.
    /// </summary>
    private bool WaitForLinks(Vnode[] dirs, string name, Vnode?[] vps, Vattr?[] vas, int from, int to, out Errno err)
    {
        err = Errno.OK;
        var fa = vas[from]!;
        if (!_walkingTrees || vps[to] is not { } tv || fa.Type != VType.VREG || vas[to]!.Type != VType.VREG || fa.Nlink <= 1)
            return false;
        var key = (to, fa.Fsid, fa.NodeId);
        if (!_pendingLinks.TryGetValue(key, out var p))
        {
            if (vas[to]!.Nlink != fa.Nlink || _links[to].TryGet(fa, vps[from]!, out _) || _links[to].Claimed(tv))
                return false;
            vps[from]!.Hold();
            tv.Hold();
            _pendingLinks[key] = p = new PendingLink(vps[from]!, fa, tv, vas[to]!);
        }
        else if (!Vop.Cmp(p.Target, tv))
        {
            err = Refute(key);
            return err != Errno.OK;
        }
        dirs[from].Hold();
        dirs[to].Hold();
        p.Names.Add((dirs[from], dirs[to], name));
        if (p.Names.Count == fa.Nlink)
            err = Confirm(key);
        return true;
    }

    /// <summary>Every name of the source's file led to the target's file: it is rewritten in place, and is the twin.</summary>
    private Errno Confirm((int Copy, ulong Fsid, ulong NodeId) key)
    {
        var p = _pendingLinks[key];
        var fa = p.SourceAttrs;
        var err = MirrorDataCopy.CopyData(p.Source, p.Target, 0, fa.Size, Report.Stats);
        if (err == Errno.OK)
            err = MirrorDataCopy.CopyAttrs(fa, p.Target, size: true, src: p.Source);
        if (err == Errno.EIO)
        {
            Report.Stats.Recreated++; // a bad block under it in the target (issue 11): made again, as Replace does
            return Refute(key);
        }
        if (err == Errno.OK)
        {
            _links[key.Copy].Add(fa, p.Target);
            Report.Stats.Files++;
        }
        Release(key);
        return err;
    }

    /// <summary>The target's file is not the source's: each name met is replaced, the first made afresh, the rest linked to it.</summary>
    private Errno Refute((int Copy, ulong Fsid, ulong NodeId) key)
    {
        var p = _pendingLinks[key];
        var err = Errno.OK;
        foreach (var (from, to, name) in p.Names)
        {
            if ((err = Take(to, name, key.Copy, p.Target, p.TargetAttrs)) != Errno.OK)
                break;
            if ((err = MirrorDataCopy.CopyEntry(from, name, p.Source, to, Report.Stats, _links[key.Copy], MadeIn(key.Copy))) != Errno.OK)
                break;
        }
        Release(key);
        return err;
    }

    /// <summary>At the end of a walk: a file some of whose source's names were not met (ReadDir leaves .mfs out) is refuted.</summary>
    private Errno RefutePending(Errno err)
    {
        foreach (var key in _pendingLinks.Keys.ToList())
        {
            var e = Refute(key);
            if (err == Errno.OK)
                err = e;
        }
        return err;
    }

    private void Release((int Copy, ulong Fsid, ulong NodeId) key)
    {
        if (!_pendingLinks.Remove(key, out var p))
            return;
        foreach (var (from, to, _) in p.Names)
        {
            from.Rele();
            to.Rele();
        }
        p.Source.Rele();
        p.Target.Rele();
    }

    /// <summary>Lets go of whatever still waits (a walk that stopped on an error).</summary>
    private void ReleasePending()
    {
        foreach (var key in _pendingLinks.Keys.ToList())
            Release(key);
        _walkingTrees = false;
    }
}
