// Test helper: the real programs the interop tests talk to (libnfs's nfs-ls/nfs-cp/nfs-cat, a small
// libnfs client compiled here, nfs-ganesha, rpcbind, dumpcap/tshark). test.sh installs them on a
// fresh machine when run as root; a test that finds one missing fails saying so, rather than
// passing without having run.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UnixVfs.Nfs.Tests;

internal static class Peers
{
    /// <summary>Fails the test, naming what is missing, unless every program is on the PATH (and, if asked, we are root).</summary>
    public static void Require(bool root, params string[] programs)
    {
        var missing = programs.Where(p => Which(p) is null).ToList();
        if (missing.Count > 0)
            Assert.Fail($"interop test cannot run: {string.Join(", ", missing)} not installed (./test.sh installs the Debian peers when run as root)");
        if (root && Environment.UserName != "root")
            Assert.Fail("interop test cannot run: it starts nfs-ganesha/rpcbind/dumpcap, which need root");
    }

    public static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>Runs a program to completion (killing it after <paramref name="timeoutMs"/>); returns exit code and output.</summary>
    public static (int Exit, string Out, string Err) Run(string program, IEnumerable<string> args, int timeoutMs = 60_000, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Which(program) ?? program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            return (-1, o.Result, e.Result + $"\n(killed after {timeoutMs} ms)");
        }
        return (p.ExitCode, o.Result, e.Result);
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>A fresh temporary directory.</summary>
    public static string TempDir(string tag)
    {
        var d = Path.Combine(Path.GetTempPath(), $"vfs-nfs-{tag}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static readonly Lazy<string> s_nfsop = new(BuildNfsop);

    /// <summary>The path of `nfsop`, a small libnfs client compiled from NfsopSource for this test run.</summary>
    public static string Nfsop => s_nfsop.Value;

    private static string BuildNfsop()
    {
        Require(false, "gcc");
        if (!File.Exists("/usr/include/nfsc/libnfs.h"))
            Assert.Fail("interop test cannot run: libnfs-dev is not installed (./test.sh installs it when run as root)");
        var dir = TempDir("nfsop");
        var src = Path.Combine(dir, "nfsop.c");
        File.WriteAllText(src, NfsopSource);
        var exe = Path.Combine(dir, "nfsop");
        var (code, _, err) = Run("gcc", ["-O1", "-o", exe, src, "-lnfs"]);
        Assert.True(code == 0, "compiling the libnfs client failed: " + err);
        return exe;
    }

    /// <summary>
    /// nfsop URL OP PATH [PATH2]: mkdir, rmdir, unlink, rename (to PATH2), stat (prints size, mode, nlink, ino, uid, gid)
    /// through libnfs, on the export named by URL (an nfs:// URL of the export directory).
    /// </summary>
    private const string NfsopSource = """
        #include <stdio.h>
        #include <string.h>
        #include <inttypes.h>
        #include <sys/time.h>
        #include <nfsc/libnfs.h>

        int main(int argc, char **argv)
        {
            if (argc < 4) { fprintf(stderr, "usage: nfsop URL OP PATH [PATH2]\n"); return 2; }
            struct nfs_context *nfs = nfs_init_context();
            struct nfs_url *url = nfs_parse_url_dir(nfs, argv[1]);
            if (url == NULL) { fprintf(stderr, "url: %s\n", nfs_get_error(nfs)); return 2; }
            if (nfs_mount(nfs, url->server, url->path) != 0) { fprintf(stderr, "mount: %s\n", nfs_get_error(nfs)); return 2; }
            const char *op = argv[2], *path = argv[3];
            int rc;
            if (!strcmp(op, "mkdir")) rc = nfs_mkdir(nfs, path);
            else if (!strcmp(op, "rmdir")) rc = nfs_rmdir(nfs, path);
            else if (!strcmp(op, "unlink")) rc = nfs_unlink(nfs, path);
            else if (!strcmp(op, "rename") && argc > 4) rc = nfs_rename(nfs, path, argv[4]);
            else if (!strcmp(op, "stat")) {
                struct nfs_stat_64 st;
                rc = nfs_stat64(nfs, path, &st);
                if (rc == 0)
                    printf("size=%" PRIu64 " mode=%" PRIo64 " nlink=%" PRIu64 " ino=%" PRIu64 " uid=%" PRIu64 " gid=%" PRIu64 "\n",
                        st.nfs_size, st.nfs_mode, st.nfs_nlink, st.nfs_ino, st.nfs_uid, st.nfs_gid);
            }
            else { fprintf(stderr, "unknown op %s\n", op); return 2; }
            if (rc != 0) { fprintf(stderr, "%s: %s\n", op, nfs_get_error(nfs)); return 1; }
            nfs_destroy_url(url);
            nfs_destroy_context(nfs);
            return 0;
        }
        """;
}
