// Vfs.Mirror: one mirror operation, named -- what MirrorSubr.Apply and MirrorSubr.ReadOp are asked to do.
//
// A MirrorOp says, in one value, everything the error policy (MirrorSubr.cs) needs besides the call itself:
//   Name       the op as the metrics, the event log and error messages show it ("write", "rename");
//   To         which copies it goes to: every copy that takes updates, or one copy that serves reads
//              (the read copy for data, the primary copy for names and attributes);
//   Node       the mnode it works on (the directory, for a name operation);
//   Dirties    what a copy that misses it must later catch up on (DirtyKind), with the byte range
//              (Offset, Length) or the name (Name1) -- and for rename the second directory and name;
//   Consistent an errno that one copy may give while another succeeds without the copies diverging
//              (ENOENT from remove/rmdir: the name is gone either way; EEXIST from mkdir); OK for none;
//   Io         what the op moves per copy: data read or written, counted (and timed, for an update)
//              once per call in MirrorMember.Count.
// The factories below are the only ways the vnode ops make one, so each op's shape is written once.
namespace UnixVfs.Mirror;

/// <summary>Which copies an operation goes to.</summary>
internal enum OpTarget
{
    /// <summary>Every copy that takes updates (patent B.4: "write to both").</summary>
    Updates,
    /// <summary>One copy that serves reads: the primary copy (names, attributes).</summary>
    Primary,
    /// <summary>One copy that serves reads: the read copy (data; read=x|y|balance).</summary>
    ReadCopy,
}

/// <summary>What an operation moves on a copy, for the copy's counters.</summary>
internal enum OpIo
{
    /// <summary>Neither reads nor writes file data (attributes, names, open, close).</summary>
    None,
    /// <summary>Reads file data (read): counted as a read of so many bytes.</summary>
    Read,
    /// <summary>Writes file data (write): counted as a write of so many bytes; its time is sampled.</summary>
    Write,
    /// <summary>Forces data to stable storage (fsync): its time is sampled.</summary>
    Flush,
}

/// <summary>One mirror operation: what it is, where it goes, what it dirties and how the copies' answers are judged.</summary>
internal readonly record struct MirrorOp(
    string Name,
    OpTarget To,
    Mnode Node,
    DirtyKind Dirties = DirtyKind.None,
    long Offset = 0,
    long Length = 0,
    string? Name1 = null,
    Mnode? Node2 = null,
    string? Name2 = null,
    Errno Consistent = Errno.OK,
    OpIo Io = OpIo.None,
    bool Sync = false)
{
    /// <summary>True when the copies are asked at the same time (when that pays: MirrorSubr.PaysAtOnce).</summary>
    public bool Parallel => Io is OpIo.Write or OpIo.Flush;

    /// <summary>A read-only op on the primary copy (getattr, access, readdir, lookup's access check, ...).</summary>
    public static MirrorOp Query(string name, Mnode m) => new(name, OpTarget.Primary, m);

    /// <summary>read(2): data from the read copy.</summary>
    public static MirrorOp Read(Mnode m) => new("read", OpTarget.ReadCopy, m, Io: OpIo.Read);

    /// <summary>An op every copy takes that changes nothing a missed copy must catch up on (open, close).</summary>
    public static MirrorOp Everywhere(string name, Mnode m) => new(name, OpTarget.Updates, m);

    /// <summary>
    /// write(2) of <paramref name="length"/> bytes at <paramref name="offset"/>; <paramref name="sync"/>: O_SYNC or
    /// O_DSYNC, each copy flushes it before it answers.
    /// </summary>
    public static MirrorOp Write(Mnode m, long offset, long length, bool sync = false) =>
        new("write", OpTarget.Updates, m, DirtyKind.Data, offset, length, Io: OpIo.Write, Sync: sync);

    /// <summary>fsync(2).</summary>
    public static MirrorOp Fsync(Mnode m) => new("fsync", OpTarget.Updates, m, Io: OpIo.Flush);

    /// <summary>setattr: the attributes, and for a size change the bytes between the old and the new end.</summary>
    public static MirrorOp Setattr(Mnode m, DirtyKind kind, long offset, long length) =>
        new("setattr", OpTarget.Updates, m, kind, offset, length);

    /// <summary>An op that makes or removes name <paramref name="name"/> in directory <paramref name="dir"/>.</summary>
    public static MirrorOp OnName(string op, Mnode dir, string name, Errno consistent = Errno.OK) =>
        new(op, OpTarget.Updates, dir, DirtyKind.Names, Name1: name, Consistent: consistent);

    /// <summary>rename: names change in both directories (none when a name is renamed onto itself: rename(2) does nothing).</summary>
    public static MirrorOp Rename(Mnode sdir, string snm, Mnode tdir, string tnm) =>
        new("rename", OpTarget.Updates, sdir, ReferenceEquals(sdir, tdir) && snm == tnm ? DirtyKind.None : DirtyKind.Names,
            Name1: snm, Node2: tdir, Name2: tnm);

    /// <summary>Records in copy <paramref name="c"/>'s dirty log that it missed this op, as <paramref name="kind"/>.</summary>
    public void RecordMissed(MirrorMember c, DirtyKind kind)
    {
        Node.Mfs.LogMissed(c, Node, kind, Offset, Length, Name1);
        if (Node2 is not null)
            Node.Mfs.LogMissed(c, Node2, kind, Offset, Length, Name2);
    }

    /// <summary>RecordMissed in the intent log on the copies alone (ahead of a name op's outcome).</summary>
    public void LogAhead(MirrorMember c, DirtyKind kind)
    {
        Node.Mfs.IntentLog.Append(c, Node, kind, Offset, Length, Name1);
        if (Node2 is not null)
            Node.Mfs.IntentLog.Append(c, Node2, kind, Offset, Length, Name2);
    }

    /// <summary>RecordMissed in the dirty log in memory alone (after a name op that some copy did).</summary>
    public void RecordInMemory(MirrorMember c, DirtyKind kind)
    {
        c.Log.Record(Node, kind, Offset, Length, Name1);
        if (Node2 is not null)
            c.Log.Record(Node2, kind, Offset, Length, Name2);
    }
}
