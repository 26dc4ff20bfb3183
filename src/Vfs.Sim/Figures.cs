// Vfs.Sim: the built-in worlds -- the patent's Figs. 5-10 as world texts (World.cs gives the format), a 3-way
// mirror, worlds for the mirror's options, and the single file systems the conformance suite runs over. In every one the history's processes work
// under /m of one host; where /m is a mirror, its copies are what the invariants compare with the model.
//
// Figs. 7, 9 and 10 use the master pair of `vfs demo` (MasterPair.cs): each server shares its raw disk for the
// other and mirrors its own disk with the other's on a directory of its own. Where the processes reach the mirror
// over NFS (Figs. 9, 10), "subject" names the mirror whose copies are compared with the model. Two simplifications,
// stated so nobody mistakes them: "host" faults cut a host off the network rather than rebooting its kernel (a
// "crash" fault reboots one: the process host, or a host that serves its disk over NFS), and
// worlds whose processes work through an NFS client never remove a file some process has open (the client has no
// silly rename: docs/nfs.md), by the history rule keep-open-files-linked. NFS imports are soft with short
// timeouts, so a host that stops answering fails over in the mirror instead of hanging the history. A client of an
// exported mirror (Figs. 9, 10) waits longer than the mirror's server takes to give up on a copy (two tries of 1+2+4 s:
// retries=1) -- else a partitioned copy made the client time out where the other copy had answered. The "-witness"
// forms of Figs. 7 and 9 add a third host w whose small directory both masters import as their mirrors' witness.
namespace UnixVfs.Sim;

/// <summary>
/// Worlds by name: "fig5" ... "fig10", "fig7-witness", "fig9-witness", "mirror3", the option worlds "fig7-autoresync",
/// "fig8-small-log", "mirror3-nfs", "mirror4" and "mirror3-checksum", and "tmpfs", "ufs", "nfs", "mirror-tmpfs".
/// </summary>
public static class Figures
{
    private const string Soft = "soft,timeo=10,retrans=2";
    private const string MirrorClient = "soft,timeo=10,retrans=5";

    private static readonly Dictionary<string, string> Worlds = new(StringComparer.Ordinal)
    {
        ["fig5"] = """
            # Fig. 5: a standalone host mirroring two local UFS disks
            host h
            disk h /m ufs
            disk h /b ufs
            mirror h /b /m
            procs h 2
            """,
        ["fig6"] = $"""
            # Fig. 6: a master mirroring its local UFS with a slave's UFS imported over NFS
            host master
            host slave
            disk slave /export ufs
            export slave /export
            disk master /m ufs
            import master slave:/export /b {Soft}
            mirror master /b /m role=master,retries=1
            procs master 2
            history keep-open-files-linked
            """,
        ["fig7"] = $"""
            # Fig. 7: two master servers that import each other's raw disk; each mirrors its disk with the other's
            host x
            host y
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            mirror x /export/disk,/net/peer /m hide,role=master,retries=1
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1
            link x y 50 400 0
            procs x 2
            history keep-open-files-linked
            """,
        ["fig7-witness"] = $"""
            # Fig. 7 with a witness: a third host w shares a small directory both masters import; a partition
            # between x and y leaves only the side that claims the witness first writable (MirrorWitness.cs)
            host x
            host y
            host w
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            disk w /witness tmpfs
            export w /witness
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            import x w:/witness /net/witness {Soft}
            import y w:/witness /net/witness {Soft}
            mirror x /export/disk,/net/peer /m hide,role=master,retries=1,witness=/net/witness
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1,witness=/net/witness
            link x y 50 400 0
            procs x 2
            history keep-open-files-linked
            """,
        ["fig8"] = $"""
            # Fig. 8: a client mirroring two imported NFS file systems on /m (hiding what /m held)
            host a
            host b
            host z
            disk a /export ufs
            disk b /export ufs
            export a /export
            export b /export
            import z a:/export /na {Soft}
            import z b:/export /nb {Soft}
            mirror z /na,/nb /m hide,retries=1
            procs z 2
            history keep-open-files-linked
            """,
        ["fig9"] = $"""
            # Fig. 9: the master pair of Fig. 7, each sharing its mirror; a client imports x's mirror on /m
            host x
            host y
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            mirror x /export/disk,/net/peer /mirror hide,role=master,retries=1
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1
            export x /mirror
            export y /mirror
            host c
            import c x:/mirror /m {MirrorClient}
            procs c 2
            subject x /mirror
            history keep-open-files-linked
            """,
        ["fig9-witness"] = $"""
            # Fig. 9 with a witness on a third host w: the client's writes reach x's mirror while x holds the witness
            host x
            host y
            host w
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            disk w /witness tmpfs
            export w /witness
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            import x w:/witness /net/witness {Soft}
            import y w:/witness /net/witness {Soft}
            mirror x /export/disk,/net/peer /mirror hide,role=master,retries=1,witness=/net/witness
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1,witness=/net/witness
            export x /mirror
            export y /mirror
            host c
            import c x:/mirror /m {MirrorClient}
            procs c 2
            subject x /mirror
            history keep-open-files-linked
            """,
        ["fig10"] = $"""
            # Fig. 10: a client linking the master pair's two exported mirrors, active/passive
            host x
            host y
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            mirror x /export/disk,/net/peer /mirror hide,role=master,retries=1
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1
            export x /mirror
            export y /mirror
            host c
            import c x:/mirror /nx {MirrorClient}
            import c y:/mirror /ny {MirrorClient}
            mirror c /nx,/ny /m hide,mode=active-passive,nomerge,retries=0
            procs c 2
            subject x /mirror
            history keep-open-files-linked
            """,
        ["mirror3"] = """
            # a 3-way mirror of local UFS disks
            host h
            disk h /m ufs
            disk h /b ufs
            disk h /c ufs
            mirror h /b,/c /m
            procs h 3
            """,
        // The mirror's options that the worlds above leave at their defaults, each world a few of them: the small logs
        // that overflow to a full resync or lose a directory's names, balanced reads, four copies, checksums, autoresync
        // (docs/verification.md, Fixed 113-120 came from these).
        ["fig7-autoresync"] = $"""
            # Fig. 7 with autoresync: each master probes its failed copy every 5 s and rejoins it when it answers
            host x
            host y
            disk x /export/disk ufs
            export x /export/disk
            disk y /export/disk ufs
            export y /export/disk
            import x y:/export/disk /net/peer {Soft}
            import y x:/export/disk /net/peer {Soft}
            mirror x /export/disk,/net/peer /m hide,role=master,retries=1,autoresync=5
            mirror y /export/disk,/net/peer /mirror hide,role=master,retries=1,autoresync=5
            link x y 50 400 0
            procs x 2
            history keep-open-files-linked
            """,
        ["fig8-small-log"] = $"""
            # Fig. 8 with balanced reads and a log of four files, one range each: most absences end in a full resync
            host a
            host b
            host z
            disk a /export ufs
            disk b /export ufs
            export a /export
            export b /export
            import z a:/export /na {Soft}
            import z b:/export /nb {Soft}
            mirror z /na,/nb /m hide,retries=1,read=balance,logsize=4,logranges=1
            procs z 2
            history keep-open-files-linked
            """,
        ["mirror3-nfs"] = $"""
            # a 3-way mirror of a local UFS and two UFS disks imported over NFS, reads balanced, a log of eight files
            host h
            host a
            host b
            disk a /export ufs
            disk b /export ufs
            export a /export
            export b /export
            disk h /m ufs
            import h a:/export /na {Soft}
            import h b:/export /nb {Soft}
            mirror h /na,/nb /m read=balance,logsize=8,logranges=4,retries=1
            procs h 3
            history keep-open-files-linked
            """,
        ["mirror4"] = $"""
            # a 4-way mirror of three local UFS disks and one imported over NFS; two names or ranges a logged file
            host h
            host s
            disk s /export ufs
            export s /export
            disk h /m ufs
            disk h /b ufs
            disk h /c ufs
            import h s:/export /ns {Soft}
            mirror h /b,/c,/ns /m logranges=2,retries=1
            procs h 3
            history keep-open-files-linked
            """,
        ["mirror3-checksum"] = """
            # a checksummed 3-way mirror of local UFS disks (-o checksum: every read checked, a bad extent healed)
            host h
            disk h /m ufs
            disk h /b ufs
            disk h /c ufs
            mirror h /b,/c /m checksum
            procs h 3
            """,
        ["mirror-tmpfs"] = """
            # a mirror of two tmpfs
            host h
            disk h /m tmpfs
            disk h /b tmpfs
            mirror h /b /m
            procs h 2
            """,
        ["tmpfs"] = """
            host h
            disk h /m tmpfs
            procs h 2
            """,
        ["ufs"] = """
            host h
            disk h /m ufs
            procs h 2
            """,
        ["nfs"] = $"""
            # a tmpfs exported by a server, imported by a client on /m over the simulated network
            host srv
            host c
            disk srv /export tmpfs
            export srv /export
            import c srv:/export /m {Soft}
            procs c 2
            history keep-open-files-linked
            """,
    };

    /// <summary>Every built-in world's name.</summary>
    public static IReadOnlyCollection<string> Names => Worlds.Keys;

    /// <summary>The text of world <paramref name="name"/> ("5" means "fig5"), or null.</summary>
    public static string? Text(string name) =>
        Worlds.GetValueOrDefault(int.TryParse(name, out int n) ? "fig" + n : name);

    /// <summary>The six figures' names.</summary>
    public static readonly string[] Patent = ["fig5", "fig6", "fig7", "fig8", "fig9", "fig10"];
}
