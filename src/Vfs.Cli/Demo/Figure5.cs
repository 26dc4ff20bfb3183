// Vfs.Cli / demo: Fig. 5 -- a standalone host mirroring two local file systems.
//
// Host "mirror-x" has two UFS disks, A on /A and B on /B. `mount -F mfs /A /B` links them: what was on
// each is merged into both, every write from then on reaches both disks, a read comes from A. B is taken
// offline for maintenance, written around, and brought back: the resync copies only what changed.
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure5 : Figure
{
    public override int Number => 5;
    public override string Title => "a standalone host mirroring two local UFS";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var x = w.AddHost("mirror-x");
        r.Check(w.NewUfs(x, "/A", "fig5-disk-a"), "newfs and mount disk A on /A");
        r.Check(w.NewUfs(x, "/B", "fig5-disk-b"), "newfs and mount disk B on /B");
        r.Check(x.Write("/A/on-a-before", "written to A before the mirror"), "a file on A before mounting");
        r.Check(x.Write("/B/on-b-before", "written to B before the mirror"), "a file on B before mounting");

        var data = new MfsMountData();
        r.Check(x.P.Mount("/A", "/B", "mfs", options: "read=x", data: data), "mount -F mfs -o read=x /A /B",
            $"merged: {data.Merge}");
        r.Expect(x, "/A/on-b-before", "written to B before the mirror", "B's file is seen through /A");
        r.Expect(x, "/B/on-a-before", "written to A before the mirror", "A's file is seen through /B");

        r.Check(x.P.Mkdir("/A/reports", 0x1ED), "mkdir /A/reports");
        r.Check(x.Write("/A/reports/q1", "quarterly report"), "write /A/reports/q1 (to both disks)");
        r.Expect(x, "/B/reports/q1", "quarterly report", "read it back through the other name, /B");

        r.Check(MfsAdm.Offline(x.P, "/A", "y", out var why), "mfsadm offline /A y (disk B down for maintenance)", why);
        r.Check(x.Write("/A/reports/q2", "written while B was away"), "write /A/reports/q2 with B away");
        r.Step("B is unavailable and its log holds the change", FigureRun.CopyStateOf(x, "/A", "y") == CopyState.Unavailable);
        r.Online(x, "/A", "y");
        r.Verify(x, "/A");
    }
}
