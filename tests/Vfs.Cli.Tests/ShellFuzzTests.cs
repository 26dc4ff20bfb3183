// Tests of Vfs.Cli: shell lines and mount options from outside (issue 11, item 6). After a set-up that gives every
// command something to work on (a UFS image mounted, a mirror, an NFS share, a second host), seeded random lines --
// real commands with arguments drawn from paths, numbers, mount types and options, quotes, escapes, redirections and
// bytes that are not text -- go through the shell. Whatever the line, the shell answers it: a result, or one line that
// says what was wrong (a usage, an errno, a syntax error). No line may end in the shell's last resort, the line that
// names an exception nothing else caught ("cmd: NullReferenceException: ..."), and nothing may panic or hang. The
// counts are printed.
using System.Text.RegularExpressions;
using UnixVfs.Cli.Shell;
using Xunit.Abstractions;

namespace UnixVfs.Cli.Tests;

public partial class ShellFuzzTests(ITestOutputHelper output)
{
    // graph and trace --perfetto write files on the real host; they are left out (their arguments are paths there). So is
// host stop: a hard mount of a stopped host waits for it to come back, as it should, and the fuzz would wait too.
    private static readonly string[] Commands =
    [
        "getextattr", "setextattr", "lsextattr", "rmextattr", "ls", "cat", "echo", "write", "cp", "mkdir", "rm", "rmdir",
        "mv", "ln", "stat", "df", "cd", "pwd", "chmod", "touch", "sync", "open", "close", "host", "ops", "mnodes", "mfsadm",
        "newfs", "fsck", "mount", "umount", "share", "unshare", "dmesg", "help", "trace",
    ];

    private static readonly string[] Paths =
        ["/", "/u", "/u/a", "/u/a/b", "/m", "/m/f", "/x", "/y", "/x/f", "/tmp", ".", "..", "", "/u/../u/./a", "//u//a",
         "/nonexistent/deep/path", "u.img", "v.img", "/u/" + new string('n', 300), "/m/.mfs", "/u/lost+found"];

    private static readonly string[] Words =
        ["-F", "ufs", "nfs", "mfs", "tmpfs", "-o", "-l", "-s", "-f", "-y", "-n", "-r", "-p", "on", "off", "add", "use",
         "start", "list", "h2", "x", "localhost", "x:/u", "h2:/u", "status", "offline", "online", "verify",
         "stats", "resolve", "x", "y", "z", "0", "1", "-1", "755", "0x10", "99999999999999999999", "16m", "1m", "0m",
         "4g", "99999999999t", "abc", "user.a", "system.b", "=", ">", ">>", "<", "|", "&", ";", "#", "'", "\"", "\\",
         "\\x8", "\\xzz", "'unterminated", "\"half", "caf\u00e9", "\u0001\u0002", "\t", "x=y=z"];

    private static readonly string[] OptionKeys =
        ["ro", "rw", "force", "hide", "nomerge", "autoresync", "checksum", "retries", "logsize", "logranges", "witness",
         "role", "mode", "read", "size", "nr_inodes", "uid", "gid", "hard", "soft", "timeo", "retrans", "rsize", "wsize",
         "actimeo", "acregmin", "acdirmax", "port", "mountport", "pmapport", "proto", "vers", "nfsvers", "noac", "cachesize",
         "", "unknown"];

    private static readonly string[] OptionValues =
        ["", "0", "1", "-1", "abc", "99999999999999999999", "1e9", "0x20", "master", "peer", "active-passive", "udp", "tcp",
         "3", "4", "=", "x", "/m", "2147483648"];

    [GeneratedRegex(@"^[a-z-]+: [A-Za-z.]*Exception: ", RegexOptions.Multiline)]
    private static partial Regex Uncaught();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
        public async Task Every_shell_line_and_mount_option_gets_an_answer_and_nothing_escapes(int seed)
    {
        var images = Path.Combine(Path.GetTempPath(), $"vfs-shell-fuzz-{Guid.NewGuid():N}");
        Directory.CreateDirectory(images);
        try
        {
            var rng = new Random(seed);
            var lines = new List<string>
            {
                "host add x", "host use x", "newfs u.img 16m", "mkdir /u", "mount -F ufs u.img /u", "mkdir /u/a",
                "echo hi > /u/a/f", "mkdir /x /y", "mount -F mfs /x /y", "echo mirrored > /x/f", "share /u", "host add h2",
                "host use h2", "mkdir /n", "mount -F nfs -o soft,timeo=2,retrans=1 x:/u /n", "host use x",
                "newfs v.img 8m", "mkdir /t1 /t2 /c1 /c2",
            };
            int setUp = lines.Count;
            for (int i = 0; i < 400; i++)
                lines.AddRange(Lines(rng));
            var text = new StringWriter();
            var shell = new UnixVfs.Cli.Shell.Shell(new ShellWorld(text, images, seed));
            var run = Task.Run(() => shell.Run(new StringReader(string.Join('\n', lines)), interactive: false));
            Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(5))) == run, "the shell hung");
            await run; // a panic or anything else that escaped the shell fails here

            var said = text.ToString();
            var uncaught = Uncaught().Matches(said).Select(m => said.Substring(m.Index, Math.Min(200, said.Length - m.Index)).Split('\n')[0]).ToList();
            int mounts = said.Split('\n').Count(l => l.StartsWith("x# mount -F ")), refused = said.Split('\n').Count(l => l.StartsWith("mount: "));
            output.WriteLine($"seed {seed}: {lines.Count - setUp} random lines after {setUp} of set-up, {shell.Failures} answered with an error; "
                + $"{mounts} mounts with random options, {refused} refused");
            Assert.True(uncaught.Count == 0, "lines that ended in an exception nothing else caught:\n" + string.Join('\n', uncaught));
            var unexplained = said.Split('\n').Where(l => l.StartsWith("mount:") && l.EndsWith("(EINVAL)")).ToList();
            Assert.True(unexplained.Count == 0, "mounts refused without a reason:\n" + string.Join('\n', unexplained));
            Assert.True(shell.Failures > 50, "too few lines failed for the fuzz to have reached the error paths");
        }
        finally
        {
            Directory.Delete(images, recursive: true);
        }
    }

    /// <summary>
    /// A random line: a command and up to five arguments, or bytes; or a mount of each type with random options on a
    /// directory that is there, and its umount.
    /// </summary>
    private static IEnumerable<string> Lines(Random rng)
    {
        if (rng.Next(20) == 0)
            return [new string(Enumerable.Range(0, rng.Next(1, 40)).Select(_ => (char)rng.Next(1, 0x250)).ToArray())];
        var cmd = rng.Next(4) == 0 ? "mount" : Commands[rng.Next(Commands.Length)];
        if (cmd == "mount" && rng.Next(4) != 0)
        {
            string[] types = ["ufs", "nfs", "mfs", "tmpfs", "xfs"];
            var type = types[rng.Next(types.Length)];
            var spec = type switch { "ufs" => "v.img", "nfs" => "x:/u", "mfs" => rng.Next(2) == 0 ? "/c1,/c2" : "/c1", _ => "swap" };
            var options = Options(rng, TypeKeys.GetValueOrDefault(type, OptionKeys)) + (type == "nfs" ? ",timeo=1,retrans=0" : ""); // a server that waits does so briefly
            var dir = rng.Next(2) == 0 ? "/t1" : "/t2";
            return [$"mount -F {type} -o {options} {spec} {dir}", $"umount {dir}"];
        }
        if (cmd == "trace")
            return [rng.Next(2) == 0 ? "trace on" : "trace off"];
        var words = new List<string> { cmd };
        for (int i = rng.Next(6); i > 0; i--)
            words.Add(rng.Next(3) switch
            {
                0 => Paths[rng.Next(Paths.Length)],
                1 => Words[rng.Next(Words.Length)],
                _ => rng.Next(4) == 0 ? Options(rng) : Paths[rng.Next(Paths.Length)],
            });
        return [string.Join(' ', words)];
    }

    /// <summary>Each file system's own options (and ro, rw), drawn more often for its mounts than the others.</summary>
    private static readonly Dictionary<string, string[]> TypeKeys = new()
    {
        ["tmpfs"] = ["size", "nr_inodes", "mode", "uid", "gid", "ro", "rw"],
        ["ufs"] = ["ro", "rw", "force"],
        ["mfs"] = ["hide", "nomerge", "autoresync", "checksum", "retries", "logsize", "logranges", "witness", "role", "mode", "read", "force"],
        ["nfs"] = ["hard", "soft", "rsize", "wsize", "actimeo", "acregmin", "acdirmax", "port", "mountport", "pmapport", "proto", "vers", "nfsvers", "noac", "ro"],
    };

    /// <summary>A random mount option string: known and unknown keys (most from <paramref name="keys"/>), good and bad values, repeated, empty.</summary>
    private static string Options(Random rng, string[]? keys = null) =>
        string.Join(',', Enumerable.Range(0, rng.Next(1, 6)).Select(_ =>
        {
            var key = keys is not null && rng.Next(10) < 7 ? keys[rng.Next(keys.Length)] : OptionKeys[rng.Next(OptionKeys.Length)];
            return rng.Next(3) == 0 ? key : $"{key}={OptionValues[rng.Next(OptionValues.Length)]}";
        }));
}
