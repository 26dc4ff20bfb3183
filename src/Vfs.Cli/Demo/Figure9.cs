// Vfs.Cli / demo: Fig. 9 -- two master mirror servers, each exporting its mirror; clients import them.
//
// A client of X writes through its import of X's mirror: the update goes to X's mirror over NFS, which sends it
// to X's disk and, over NFS again, to Y's disk (the patent's steps 1-4c). A client of Y reads it from Y's disk.
// X takes its copy of Y's disk offline for maintenance, a client writes, and the copy is brought back.
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure9 : Figure
{
    public override int Number => 9;
    public override string Title => "two master servers sharing their mirrors with clients";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var (x, y) = MasterPair.Build(w, r, "fig9");
        var cx = w.AddHost("client-of-x");
        var cy = w.AddHost("client-of-y");
        r.Check(w.Import(cx, x, "/mirror", "/data", DemoWorld.ClientOptions), "client-of-x: mount -F nfs master-x:/mirror /data");
        r.Check(w.Import(cy, y, "/mirror", "/data", DemoWorld.ClientOptions), "client-of-y: mount -F nfs master-y:/mirror /data");

        r.Check(cx.Write("/data/ledger", "entry 1"), "client-of-x writes /data/ledger");
        r.Expect(x, "/export/disk/ledger", "entry 1", "it is on X's disk (Data A)");
        r.Expect(y, "/export/disk/ledger", "entry 1", "and on Y's disk (Data B)");
        r.Expect(cy, "/data/ledger", "entry 1", "client-of-y reads it through Y");

        r.Check(MfsAdm.Offline(x.P, "/mirror", "y", out var why), "X: mfsadm offline /mirror y (maintenance)", why);
        r.Check(cx.Write("/data/ledger", "entry 1, entry 2"), "client-of-x writes with X's copy of Y away");
        r.Online(x, "/mirror", "y");
        r.Expect(y, "/export/disk/ledger", "entry 1, entry 2", "Y's disk caught up");
        r.Verify(x, "/mirror");
        r.Verify(y, "/mirror");
    }
}
