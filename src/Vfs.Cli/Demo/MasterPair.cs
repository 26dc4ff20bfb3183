// Vfs.Cli / demo: the pair of master mirror servers Figs. 9 and 10 share.
//
// Each server has a local UFS on /export/disk and shares it raw (for the other master to import, as in
// Fig. 7); each mounts the mirror of its own disk and the other's import on /mirror (-o hide: the mirror
// gets a name of its own, distinct from the raw disk the other server imports), and shares /mirror for
// clients (patent B.8: "the same command that is used to share any other file system").
namespace UnixVfs.Cli.Demo;

internal static class MasterPair
{
    public static (DemoHost X, DemoHost Y) Build(DemoWorld w, FigureRun r, string figure)
    {
        var x = w.AddHost("master-x");
        var y = w.AddHost("master-y");
        foreach (var (h, other, disk) in new[] { (x, y, "a"), (y, x, "b") })
        {
            r.Check(w.NewUfs(h, "/export/disk", $"{figure}-{h.Name}-{disk}"), $"{h.Name}: newfs and mount disk {disk.ToUpperInvariant()} on /export/disk");
            r.Check(w.Share(h, "/export/disk"), $"{h.Name}: share /export/disk (raw, for the other master)");
        }
        foreach (var (h, other) in new[] { (x, y), (y, x) })
        {
            r.Check(w.Import(h, other, "/export/disk", "/net/peer"), $"{h.Name}: mount -F nfs {other.Name}:/export/disk /net/peer");
            r.Check(h.P.Mkdir("/mirror", 0x1ED), $"{h.Name}: mkdir /mirror");
            r.Check(h.P.Mount("/export/disk,/net/peer", "/mirror", "mfs", options: "hide,role=master,retries=1"),
                $"{h.Name}: mount -F mfs -o hide,role=master /export/disk,/net/peer /mirror");
            r.Check(w.Share(h, "/mirror"), $"{h.Name}: share /mirror (the mirror, for clients)");
        }
        return (x, y);
    }
}
