// Vfs.Cli / demo: Fig. 6 -- a master mirror server (local UFS + an NFS import from a slave host).
//
// The slave exports its local UFS B; the master mirrors its local UFS A with that import (role=master).
// The master's updates reach the slave's disk over NFS; an update made on the slave itself is not mirrored
// back ("the Slave ... cannot mirror its contents to the Master"). When the slave stops answering, the master
// carries on alone; when it is back, the master catches it up from its log, and a full resync from the master
// removes what the slave wrote on its own.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure6 : Figure
{
    public override int Number => 6;
    public override string Title => "a master mirror server and a slave";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var master = w.AddHost("master-x");
        var slave = w.AddHost("slave-y");
        r.Check(w.NewUfs(slave, "/export/b", "fig6-slave-b"), "slave: newfs and mount disk B on /export/b");
        r.Check(w.Share(slave, "/export/b"), "slave: share /export/b");
        r.Check(w.NewUfs(master, "/A", "fig6-master-a"), "master: newfs and mount disk A on /A");
        r.Check(w.Import(master, slave, "/export/b", "/net/b"), "master: mount -F nfs slave-y:/export/b /net/b");
        r.Check(master.P.Mount("/A", "/net/b", "mfs", options: "role=master,retries=1"), "master: mount -F mfs -o role=master /A /net/b");

        r.Check(master.Write("/A/orders", "order 1"), "master writes /A/orders");
        r.Expect(slave, "/export/b/orders", "order 1", "it is on the slave's disk");

        r.Check(slave.Write("/export/b/slave-note", "written on the slave"), "the slave writes its own disk directly");
        r.Step("not mirrored back: the master does not see it", master.Read("/A/slave-note", out var err) is null && err == Errno.ENOENT,
            err.ToString());

        w.Stop(slave);
        r.Step("the slave host stops", true);
        r.Check(master.Write("/A/orders", "order 1, order 2"), "master writes while the slave is down");
        r.Step("the master took the slave's copy out of use", FigureRun.CopyStateOf(master, "/A", "y") == CopyState.Unavailable);
        r.Check(w.Start(slave), "the slave host starts again");
        r.Online(master, "/A", "y");
        r.Expect(slave, "/export/b/orders", "order 1, order 2", "the slave's disk caught up");

        var err2 = MfsAdm.Resync(master.P, "/A", "y", out var why, out var report);
        r.Check(err2, "mfsadm resync /A y (the master is the truth)", err2 == Errno.OK ? $"{report!.Stats.Removed} stray name removed from the slave" : why);
        r.Verify(master, "/A");
    }
}
