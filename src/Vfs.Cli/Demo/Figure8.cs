// Vfs.Cli / demo: Fig. 8 -- a client mirroring two imported NFS file systems on one directory.
//
// Two servers export a UFS each. The client imports both and mounts the mirror of the two on /data with
// -o hide: /data's previous contents are hidden while the mirror is mounted (the patent's "new argument").
// Reads go to the primary server, writes to both; when the primary stops answering, the client goes on with
// the secondary, and brings the primary back up to date when it returns.
using UnixVfs.Core;
using UnixVfs.Mirror;

namespace UnixVfs.Cli.Demo;

public sealed class Figure8 : Figure
{
    public override int Number => 8;
    public override string Title => "a client mirroring two imported NFS file systems";

    protected override void Run(DemoWorld w, FigureRun r)
    {
        var s1 = w.AddHost("primary-a");
        var s2 = w.AddHost("secondary-b");
        var z = w.AddHost("client-z");
        r.Check(w.NewUfs(s1, "/export", "fig8-primary-a"), "primary: newfs, mount and share /export");
        r.Check(w.Share(s1, "/export"), "primary: share /export");
        r.Check(w.NewUfs(s2, "/export", "fig8-secondary-b"), "secondary: newfs, mount and share /export");
        r.Check(w.Share(s2, "/export"), "secondary: share /export");
        r.Check(w.Import(z, s1, "/export", "/net/a"), "client: mount -F nfs primary-a:/export /net/a");
        r.Check(w.Import(z, s2, "/export", "/net/b"), "client: mount -F nfs secondary-b:/export /net/b");
        r.Check(z.P.Mkdir("/data", 0x1ED), "client: mkdir /data");
        r.Check(z.Write("/data/local-only", "the client's own old file"), "client: an old file in /data");
        r.Check(z.P.Mount("/net/a,/net/b", "/data", "mfs", options: "hide,retries=1"), "client: mount -F mfs -o hide /net/a,/net/b /data");
        r.Step("the previous contents of /data are hidden", z.Read("/data/local-only", out var e) is null && e == Errno.ENOENT);

        r.Check(z.Write("/data/shared", "on both servers"), "client writes /data/shared");
        r.Expect(s1, "/export/shared", "on both servers", "it is on the primary's disk");
        r.Expect(s2, "/export/shared", "on both servers", "it is on the secondary's disk");

        w.Stop(s1);
        r.Step("the primary stops", true);
        r.Check(z.Write("/data/during", "written with the primary down"), "client writes with the primary down");
        r.Expect(z, "/data/shared", "on both servers", "reads switch to the secondary");
        r.Check(w.Start(s1), "the primary starts again");
        r.Online(z, "/data", "x");
        r.Expect(s1, "/export/during", "written with the primary down", "the primary's disk caught up");
        r.Verify(z, "/data");
        r.Check(z.P.Umount("/data"), "client: umount /data");
        r.Expect(z, "/data/local-only", "the client's own old file", "the old contents of /data are back");
    }
}
