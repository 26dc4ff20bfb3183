// Vfs.Cli: `vfs fsck IMAGE [-n|-y]` -- checks a UFS2 image (Vfs.Ufs Fsck); with -y repairs it.
//
// Exit status: 0 when the file system is consistent (or was made so with -y), 1 when inconsistencies
// remain (with -n: were found), 8 when it could not be checked (no superblock, an I/O error).
using System.CommandLine;
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Cli;

internal static class FsckCommand
{
    public static Command Build()
    {
        var image = new Argument<string>("image") { Description = "The image file to check" };
        var no = new Option<bool>("-n") { Description = "Check only; change nothing (the default)" };
        var yes = new Option<bool>("-y") { Description = "Repair everything found" };
        var cmd = new Command("fsck", "Check a UFS2 file system in an image file, and repair it with -y") { image, no, yes };
        cmd.SetAction(r => Run(r.GetValue(image)!, r.GetValue(no), r.GetValue(yes)));
        return cmd;
    }

    private static int Run(string path, bool no, bool yes)
    {
        if (no && yes)
        {
            Console.Error.WriteLine("vfs fsck: -n and -y cannot both be given");
            return 8;
        }
        if (File.Exists(path) && new FileInfo(path) is { Length: var length } && length % 512 != 0)
        {
            Console.Error.WriteLine($"vfs fsck: {path}: the image is {length} bytes, not a whole number of 512-byte sectors;"
                                    + $" cut it to {length / 512 * 512} bytes or pad it to {(length / 512 + 1) * 512} (truncate -s)");
            return 8;
        }
        var err = FileBlockDevice.Open(path, readOnly: !yes, out var dev);
        if (err != Errno.OK)
        {
            Console.Error.WriteLine($"vfs fsck: {path}: {err.Message()}");
            return 8;
        }
        using (dev)
        {
            Console.WriteLine($"** {path}{(yes ? "" : " (NO WRITE)")}");
            err = Fsck.Run(dev!, yes, out var report);
            foreach (var line in report.Lines)
                Console.WriteLine(line);
            if (err != Errno.OK)
            {
                Console.Error.WriteLine($"vfs fsck: {path}: {(report.Summary.Length > 0 ? report.Summary : err.Message())}");
                return 8;
            }
            return report.Unfixed == 0 ? 0 : 1;
        }
    }
}
