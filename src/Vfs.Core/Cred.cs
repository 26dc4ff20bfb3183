// Vfs.Core: credentials (cred_t).
//
// A Cred names who is asking: every VOP and system call carries one, and VOP_ACCESS decides
// with it. A Cred is immutable, so one instance can be shared by every call a process makes and
// stored by a layer (an NFS client keeps the AUTH_SYS identity it was given) without copying.
namespace UnixVfs.Core;

/// <summary>User credentials (<c>cred_t</c>): effective uid, gid and supplementary groups.</summary>
public sealed class Cred
{
    /// <summary>The kernel's own credential (<c>kcred</c>): uid 0, gid 0, no groups.</summary>
    public static readonly Cred Kcred = new(0, 0);

    /// <summary>Effective user id (<c>cr_uid</c>).</summary>
    public uint Uid { get; }

    /// <summary>Effective group id (<c>cr_gid</c>).</summary>
    public uint Gid { get; }

    /// <summary>Supplementary groups (<c>cr_groups</c>), at most <see cref="NGroupsMax"/>.</summary>
    public IReadOnlyList<uint> Groups { get; }

    /// <summary>NGROUPS_MAX: the most supplementary groups a credential may carry (AUTH_SYS allows 16).</summary>
    public const int NGroupsMax = 16;

    public Cred(uint uid, uint gid, params uint[] groups)
    {
        if (groups.Length > NGroupsMax)
            throw new ArgumentException($"at most {NGroupsMax} supplementary groups", nameof(groups));
        Uid = uid;
        Gid = gid;
        Groups = groups.ToArray();
    }

    /// <summary>True for the superuser, who passes every permission check (<c>secpolicy_vnode_access</c>).</summary>
    public bool IsSuperUser => Uid == 0;

    /// <summary>groupmember(): true when <paramref name="gid"/> is the effective or a supplementary group.</summary>
    public bool GroupMember(uint gid)
    {
        if (gid == Gid)
            return true;
        foreach (var g in Groups)
            if (g == gid)
                return true;
        return false;
    }

    public override string ToString() =>
        Groups.Count == 0 ? $"uid={Uid} gid={Gid}" : $"uid={Uid} gid={Gid} groups={string.Join(',', Groups)}";
}
