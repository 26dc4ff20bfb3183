// Vfs.Cli: `vfs newfs IMAGE --size 256M [--bsize 32768 --fsize 4096 --density N --minfree 8 --label NAME --endian big]`
// -- makes a UFS2 file system in a block file (Vfs.Ufs Newfs), creating the file when --size is given.
using System.CommandLine;
using UnixVfs.Core;
using UnixVfs.Ufs;

namespace UnixVfs.Cli;

internal static class NewfsCommand
{
    public static Command Build()
    {
        var image = new Argument<string>("image") { Description = "The image file (created, or replaced, when --size is given)" };
        var size = new Option<string?>("--size", "-s") { Description = "Size of the image, e.g. 256M, 4G (default: the existing file's size)" };
        var bsize = new Option<int>("--bsize", "-b") { Description = "Block size in bytes", DefaultValueFactory = _ => 32768 };
        var fsize = new Option<int>("--fsize", "-f") { Description = "Fragment size in bytes", DefaultValueFactory = _ => 4096 };
        var density = new Option<int>("--density", "-i") { Description = "Bytes of data per inode (default: 2 * fragment size)" };
        var minfree = new Option<int>("--minfree", "-m") { Description = "Percent of space reserved for root", DefaultValueFactory = _ => 8 };
        var label = new Option<string>("--label", "-L") { Description = "Volume name", DefaultValueFactory = _ => "" };
        var endian = new Option<string>("--endian") { Description = "Byte order: little, or big (as a big-endian FreeBSD writes it; mounts read-only here)", DefaultValueFactory = _ => "little" };
        endian.AcceptOnlyFromAmong("little", "big");
        var cmd = new Command("newfs", "Make a UFS2 file system in an image file (FreeBSD's layout: read by The Sleuth Kit and GRUB)")
        {
            image, size, bsize, fsize, density, minfree, label, endian,
        };
        cmd.SetAction(r => Run(r.GetValue(image)!, r.GetValue(size), new NewfsOptions
        {
            Bsize = r.GetValue(bsize),
            Fsize = r.GetValue(fsize),
            Density = r.GetValue(density),
            Minfree = r.GetValue(minfree),
            Volname = r.GetValue(label) ?? "",
            BigEndian = r.GetValue(endian) == "big",
        }));
        return cmd;
    }

    private static int Run(string path, string? sizeText, NewfsOptions options)
    {
        FileBlockDevice? dev;
        Errno err;
        if (sizeText is not null)
        {
            if (!Newfs.TryParseSize(sizeText, out long bytes) || bytes % 512 != 0)
                return Fail($"bad --size \"{sizeText}\" (a positive number of bytes, a multiple of 512, with an optional k, m, g or t)");
            err = FileBlockDevice.Create(path, bytes, out dev);
        }
        else
            err = FileBlockDevice.Open(path, false, out dev);
        if (err != Errno.OK)
            return Fail($"{path}: {err.Message()}" + (sizeText is null && err == Errno.ENOENT ? " (give --size to create it)" : ""));
        using (dev)
        {
            var clock = TimeProvider.System;
            err = Newfs.Make(dev!, options, Timespec.FromDateTimeOffset(clock.GetUtcNow()), out var result, out var why);
            if (err != Errno.OK)
                return Fail($"{path}: {why ?? err.Message()}");
            Console.WriteLine($"{path}: {result}");
            return 0;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"vfs newfs: {message}");
        return 1;
    }
}
