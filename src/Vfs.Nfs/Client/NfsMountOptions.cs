// Vfs.Nfs / client: the options of `mount -F nfs -o ...` and the spec "host:/path".
//
//   hard | soft        retry for ever, or give up after retrans retransmissions (ETIMEDOUT)   hard
//   timeo=N            the first timeout, in tenths of a second; it doubles per retry          10
//   retrans=N          retransmissions before a soft mount gives up                            3
//   rsize=N, wsize=N   the largest READ/WRITE asked for (clamped to the server's FSINFO)       1048576
//                      (over UDP at most, and by default, 32768, as Linux: a datagram's room)
//   actimeo=N          sets acregmin, acregmax, acdirmin and acdirmax to N seconds
//   acregmin=, acregmax=, acdirmin=, acdirmax=   attribute cache bounds, seconds             3 60 30 60
//   noac               no attribute caching (every getattr asks the server)
//   port=N             the NFS port (else the portmapper is asked)
//   mountport=N        the MOUNT port (else the portmapper is asked)
//   pmapport=N         the portmapper's port                                                  111
//   proto=tcp | udp    the transport, for MOUNT and NFS alike (udp: one datagram per call)   tcp
//   vers=3, nfsvers=3  accepted; nothing else is spoken
//   noreaddirplus      list directories with READDIR instead of READDIRPLUS
//   ro, rw             read-only or read-write (also from the mount flags)
//
// The defaults differ from Linux's (timeo=600 for TCP) on purpose: a simulated network wants a
// failover test to take seconds, not minutes. Anything else is EINVAL, as is a spec without ':/'.
using UnixVfs.Core;

namespace UnixVfs.Nfs.Client;

/// <summary>The parsed options of an nfs mount.</summary>
public sealed record NfsMountOptions
{
    public string Host { get; init; } = "";
    public string Path { get; init; } = "/";
    public bool Hard { get; init; } = true;
    public int Timeo { get; init; } = 10;
    public int Retrans { get; init; } = 3;
    public int Rsize { get; init; } = 1 << 20;
    public int Wsize { get; init; } = 1 << 20;
    public TimeSpan AcRegMin { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan AcRegMax { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan AcDirMin { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan AcDirMax { get; init; } = TimeSpan.FromSeconds(60);
    public int Port { get; init; }
    public int MountPort { get; init; }
    public int PmapPort { get; init; } = 111;
    public bool ReaddirPlus { get; init; } = true;
    /// <summary>proto=udp: calls and replies are datagrams.</summary>
    public bool Udp { get; init; }

    /// <summary>The largest rsize/wsize over UDP (Linux's too): a 32 KiB WRITE and its header fit a datagram.</summary>
    public const int MaxUdpIo = 32768;

    private static readonly string[] Known =
    [
        "hard", "soft", "timeo", "retrans", "rsize", "wsize", "actimeo", "acregmin", "acregmax", "acdirmin", "acdirmax",
        "noac", "port", "mountport", "pmapport", "vers", "nfsvers", "proto", "noreaddirplus", "ro", "rw",
    ];

    /// <summary>Parses a spec and an option string. Returns OK or EINVAL.</summary>
    public static Errno Parse(string spec, string options, out NfsMountOptions? parsed) => Parse(spec, options, out parsed, out _);

    /// <summary>Parses a spec and an option string. Returns OK, or EINVAL with <paramref name="why"/> in a few words.</summary>
    public static Errno Parse(string spec, string options, out NfsMountOptions? parsed, out string why)
    {
        parsed = null;
        why = "give the server and its path as HOST:/PATH";
        string host, path;
        if (spec.StartsWith('['))
        {
            int close = spec.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
                return Errno.EINVAL;
            host = spec[1..close];
            path = spec[(close + 2)..];
        }
        else
        {
            int colon = spec.IndexOf(':');
            if (colon <= 0)
                return Errno.EINVAL;
            host = spec[..colon];
            path = spec[(colon + 1)..];
        }
        if (!path.StartsWith('/') || host.Length == 0)
            return Errno.EINVAL;
        var o = MountOptions.Parse(options);
        var err = Check(o, out var n);
        if (err != Errno.OK)
        {
            why = o.Why!;
            return err;
        }
        parsed = new NfsMountOptions
        {
            Host = host,
            Path = path,
            Hard = !o.Has("soft"),
            Timeo = (int)n.Timeo,
            Retrans = (int)n.Retrans,
            Rsize = (int)n.Rsize & ~511,
            Wsize = (int)n.Wsize & ~511,
            AcRegMin = TimeSpan.FromSeconds(n.AcRegMin),
            AcRegMax = TimeSpan.FromSeconds(n.AcRegMax),
            AcDirMin = TimeSpan.FromSeconds(n.AcDirMin),
            AcDirMax = TimeSpan.FromSeconds(n.AcDirMax),
            Port = (int)n.Port,
            MountPort = (int)n.MountPort,
            PmapPort = (int)n.PmapPort,
            ReaddirPlus = !o.Has("noreaddirplus"),
            Udp = n.Udp,
        };
        return Errno.OK;
    }

    /// <summary>The numbers the options give, checked.</summary>
    private readonly record struct Numbers(long Timeo, long Retrans, long Rsize, long Wsize, long AcRegMin, long AcRegMax,
        long AcDirMin, long AcDirMax, long Port, long MountPort, long PmapPort, bool Udp);

    /// <summary>Checks options <paramref name="o"/>: OK with their numbers, or EINVAL with the reason in o.Why.</summary>
    private static Errno Check(MountOptions o, out Numbers n)
    {
        n = default;
        if (o.AnyUnknown(Known))
            return Errno.EINVAL;
        if (o.Has("hard") && o.Has("soft"))
            return o.Refuse("hard and soft: give one of them");
        var v = o.Get("vers") ?? o.Get("nfsvers") ?? "3";
        if (v != "3")
            return o.Refuse($"vers={v}: this client speaks NFS version 3 only");
        var proto = o.Get("proto") ?? "tcp";
        if (proto is not ("tcp" or "udp"))
            return o.Refuse($"proto={proto}: give tcp or udp");
        int maxIo = proto == "udp" ? MaxUdpIo : 1 << 20;
        Errno err;
        if ((err = o.GetInt("timeo", 10, 1, 36000, out long timeo)) != Errno.OK) return err;
        if ((err = o.GetInt("retrans", 3, 0, 1000, out long retrans)) != Errno.OK) return err;
        if ((err = o.GetInt("rsize", maxIo, 512, maxIo, out long rsize)) != Errno.OK) return err;
        if ((err = o.GetInt("wsize", maxIo, 512, maxIo, out long wsize)) != Errno.OK) return err;
        if ((err = o.GetInt("actimeo", -1, 0, 3600, out long actimeo)) != Errno.OK) return err;
        if ((err = o.GetInt("acregmin", actimeo >= 0 ? actimeo : 3, 0, 3600, out long acregmin)) != Errno.OK) return err;
        if ((err = o.GetInt("acregmax", actimeo >= 0 ? actimeo : 60, 0, 3600, out long acregmax)) != Errno.OK) return err;
        if ((err = o.GetInt("acdirmin", actimeo >= 0 ? actimeo : 30, 0, 3600, out long acdirmin)) != Errno.OK) return err;
        if ((err = o.GetInt("acdirmax", actimeo >= 0 ? actimeo : 60, 0, 3600, out long acdirmax)) != Errno.OK) return err;
        if ((err = o.GetInt("port", 0, 0, 65535, out long port)) != Errno.OK) return err;
        if ((err = o.GetInt("mountport", 0, 0, 65535, out long mountport)) != Errno.OK) return err;
        if ((err = o.GetInt("pmapport", 111, 1, 65535, out long pmapport)) != Errno.OK) return err;
        if (o.Has("noac"))
            acregmin = acregmax = acdirmin = acdirmax = 0;
        if (acregmin > acregmax || acdirmin > acdirmax)
            return o.Refuse("a minimum of the attribute cache over its maximum (acregmin, acregmax, acdirmin, acdirmax)");
        n = new Numbers(timeo, retrans, rsize, wsize, acregmin, acregmax, acdirmin, acdirmax, port, mountport, pmapport, proto == "udp");
        return Errno.OK;
    }
}
