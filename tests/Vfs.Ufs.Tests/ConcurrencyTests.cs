// Tests of Vfs.Ufs under concurrency: what if several processes work in one file system at once -- in
// their own directories, in one shared directory, and moving directories between parents? Nothing may
// deadlock, every process must read back what it wrote, and fsck must find the result consistent.
using UnixVfs.Core;
using static UnixVfs.Ufs.Tests.Kit;

namespace UnixVfs.Ufs.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task Processes_working_at_once_leave_a_consistent_file_system()
    {
        using var s = new Scratch();
        var image = NewImage(s, 64L << 20, bsize: 8192, fsize: 1024);
        using var h = new Host();
        Ok(h.Mount(image, "cachesize=512k"));
        Ok(h.P.Mkdir("/mnt/shared", 0x1FF));
        Ok(h.P.Mkdir("/mnt/left", 0x1FF));
        Ok(h.P.Mkdir("/mnt/right", 0x1FF));
        const int workers = 4;
        var finals = new Dictionary<string, byte[]>[workers];
        var tasks = new List<Task>();
        for (int w = 0; w < workers; w++)
        {
            int id = w;
            tasks.Add(Task.Run(() => finals[id] = Worker(h.Kernel.CreateProcess(), id)));
        }
        tasks.Add(Task.Run(() => Mover(h.Kernel.CreateProcess())));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(120)); // a TimeoutException here is a deadlock
        foreach (var files in finals)
            foreach (var (path, data) in files)
                Assert.Equal(data, ReadFile(h.P, path));
        Ok(h.Umount());
        AssertClean(Kit.Fsck(image));
        Ok(h.Mount(image));
        foreach (var files in finals)
            foreach (var (path, data) in files)
                Assert.Equal(data, ReadFile(h.P, path));
        Ok(h.Umount());
    }

    /// <summary>Creates, appends, renames and removes files in its own directory and in the shared one; returns what should remain.</summary>
    private static Dictionary<string, byte[]> Worker(Process p, int id)
    {
        var rng = new Random(id);
        var mine = $"/mnt/w{id}";
        Ok(p.Mkdir(mine, 0x1ED));
        var files = new Dictionary<string, byte[]>();
        for (int step = 0; step < 300; step++)
        {
            string dir = rng.Next(3) == 0 ? "/mnt/shared" : mine;
            int op = rng.Next(10);
            if (op < 5 || files.Count == 0)
            {
                var path = $"{dir}/w{id}-{step}";
                var data = Bytes(rng.Next(0, 40_000), id * 1000 + step);
                WriteFile(p, path, data);
                files[path] = data;
            }
            else if (op < 7)
            {
                var path = files.Keys.ElementAt(rng.Next(files.Count));
                var more = Bytes(rng.Next(1, 10_000), step);
                Ok(p.Open(path, OFlags.O_WRONLY | OFlags.O_APPEND, 0, out int fd));
                Ok(p.Write(fd, more, out _));
                Ok(p.Close(fd));
                files[path] = [.. files[path], .. more];
            }
            else if (op < 9)
            {
                var path = files.Keys.ElementAt(rng.Next(files.Count));
                var to = $"{dir}/w{id}-r{step}";
                Ok(p.Rename(path, to));
                files[to] = files[path];
                files.Remove(path);
            }
            else
            {
                var path = files.Keys.ElementAt(rng.Next(files.Count));
                Ok(p.Unlink(path));
                files.Remove(path);
            }
        }
        return files;
    }

    /// <summary>Makes directory trees and moves them back and forth between two parents, then removes them.</summary>
    private static void Mover(Process p)
    {
        for (int i = 0; i < 60; i++)
        {
            Ok(p.Mkdir($"/mnt/left/t{i}", 0x1ED));
            Ok(p.Mkdir($"/mnt/left/t{i}/inner", 0x1ED));
            WriteFile(p, $"/mnt/left/t{i}/inner/f", "x"u8);
            Ok(p.Rename($"/mnt/left/t{i}", $"/mnt/right/t{i}"));
            Ok(p.Rename($"/mnt/right/t{i}/inner", $"/mnt/left/inner{i}"));
            Ok(p.Unlink($"/mnt/left/inner{i}/f"));
            Ok(p.Rmdir($"/mnt/left/inner{i}"));
            Ok(p.Rmdir($"/mnt/right/t{i}"));
        }
    }
}
