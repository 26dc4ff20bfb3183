// Vfs.Cli / demo: Fig. 10 -- a client linking the two exported mirrors, active/passive.
//
// The client imports X's and Y's mirrors and mounts them with mode=active-passive: it uses only X (the active
// one) and mirrors nothing itself -- the servers do. X is stopped mid-run; the client's next operations fail over
// to Y and carry on. Y had taken its copy of X's disk out of use meanwhile; when X is back, Y resyncs X's disk,
// and the client takes X back as its passive server.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure10 : Figure
{
    public override int Number => 10;
    public override string Title => "a client linking two exported mirrors active/passive";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var (x, y) = MasterPair.Build(w, r, "fig10");
        var c = w.AddHost("client");
        r.Check(w.Import(c, x, "/mirror", "/net/x", DemoWorld.ClientOptions), "client: mount -F nfs master-x:/mirror /net/x");
        r.Check(w.Import(c, y, "/mirror", "/net/y", DemoWorld.ClientOptions), "client: mount -F nfs master-y:/mirror /net/y");
        r.Check(c.P.Mkdir("/data", 0x1ED), "client: mkdir /data");
        r.Check(c.P.Mount("/net/x,/net/y", "/data", "mfs", options: "hide,mode=active-passive,nomerge,retries=0"),
            "client: mount -F mfs -o hide,mode=active-passive /net/x,/net/y /data");

        r.Check(c.Write("/data/journal", "line 1"), "client writes /data/journal (to X only)");
        r.Expect(y, "/export/disk/journal", "line 1", "X mirrored it to Y's disk");

        w.Stop(x);
        r.Step("X, the active server, stops mid-run", true);
        r.Check(c.Write("/data/journal", "line 1, line 2"), "client writes again: it fails over to Y");
        r.Step("the client now uses Y", MfsAdm.Status(c.P, "/data", out var st) == Errno.OK && st!.Active == "Y", st?.Active ?? "");
        r.Expect(c, "/data/journal", "line 1, line 2", "and reads its data back from Y");
        r.Step("Y took its copy of X's disk out of use", FigureRun.CopyStateOf(y, "/mirror", "y") == CopyState.Unavailable);

        r.Check(w.Start(x), "X starts again");
        r.Online(y, "/mirror", "y");
        r.Expect(x, "/export/disk/journal", "line 1, line 2", "Y resynced X's disk");
        r.Online(c, "/data", "x");
        r.Verify(x, "/mirror");
        r.Verify(y, "/mirror");
    }
}
