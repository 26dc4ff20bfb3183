// Vfs.Fuse: the credential of the process behind a request.
//
// fuse_in_header carries the caller's fsuid, fsgid and pid, but not its supplementary groups. Those are
// read from /proc/PID/status ("Groups:") at the moment of the request, so a member of a file's group
// is one to the model as it is to the host kernel (which already checked, with default_permissions).
// Requests the kernel makes on its own (pid 0), or whose process has gone, get no supplementary groups.
// A process in more than NGROUPS_MAX (16, the AUTH_SYS limit the model keeps) groups is seen with its
// first 16.
namespace UnixVfs.Fuse;

using UnixVfs.Core;

internal static class FuseCred
{
    /// <summary>The Cred of <paramref name="uid"/>, <paramref name="gid"/> and the groups of process <paramref name="pid"/>.</summary>
    public static Cred Of(uint uid, uint gid, uint pid)
    {
        if (uid == 0 && gid == 0)
            return Cred.Kcred;
        return new Cred(uid, gid, pid == 0 ? [] : Groups(pid, gid));
    }

    private static uint[] Groups(uint pid, uint gid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("Groups:", StringComparison.Ordinal))
                continue;
            var groups = new List<uint>();
            foreach (var w in line["Groups:".Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                if (uint.TryParse(w, out var g) && g != gid && groups.Count < Cred.NGroupsMax)
                    groups.Add(g);
            return groups.ToArray();
        }
        return [];
    }
}
