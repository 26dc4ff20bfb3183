// Vfs.Cli / demo: Fig. 7 -- two master mirror servers that import each other's export.
//
// X exports its local UFS A, Y exports its local UFS B; X mirrors A with Y's B, Y mirrors B with X's A.
// Either server's applications write, and both disks get every update. When Y stops answering, X goes on;
// when Y is back, X resyncs it.
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure7 : Figure
{
    public override int Number => 7;
    public override string Title => "two master mirror servers importing each other's export";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var x = w.AddHost("master-x");
        var y = w.AddHost("master-y");
        r.Check(w.NewUfs(x, "/A", "fig7-x-a"), "X: newfs and mount disk A on /A");
        r.Check(w.NewUfs(y, "/B", "fig7-y-b"), "Y: newfs and mount disk B on /B");
        r.Check(w.Share(x, "/A"), "X: share /A (its local file system)");
        r.Check(w.Share(y, "/B"), "Y: share /B");
        r.Check(w.Import(x, y, "/B", "/net/b"), "X: mount -F nfs master-y:/B /net/b");
        r.Check(w.Import(y, x, "/A", "/net/a"), "Y: mount -F nfs master-x:/A /net/a");
        r.Check(x.P.Mount("/A", "/net/b", "mfs", options: "role=master,retries=1"), "X: mount -F mfs -o role=master /A /net/b");
        r.Check(y.P.Mount("/B", "/net/a", "mfs", options: "role=master,retries=1"), "Y: mount -F mfs -o role=master /B /net/a");

        r.Check(x.Write("/A/from-x", "written on X"), "an application on X writes /A/from-x");
        r.Expect(y, "/B/from-x", "written on X", "Y reads it from its own disk");
        r.Check(y.Write("/B/from-y", "written on Y"), "an application on Y writes /B/from-y");
        r.Expect(x, "/A/from-y", "written on Y", "X reads it from its own disk");

        w.Stop(y);
        r.Step("Y stops", true);
        r.Check(x.Write("/A/while-y-down", "X carried on"), "X writes while Y is down");
        r.Step("X took Y's copy out of use", FigureRun.CopyStateOf(x, "/A", "y") == CopyState.Unavailable);
        r.Check(w.Start(y), "Y starts again");
        r.Online(x, "/A", "y");
        r.Expect(y, "/B/while-y-down", "X carried on", "Y's disk caught up");
        r.Verify(x, "/A");
        r.Verify(y, "/B");
    }
}
