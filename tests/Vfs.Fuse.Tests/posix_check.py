#!/usr/bin/env python3
# A POSIX conformance check of our own, run as root on one directory: prints one line per check,
# "name: answer", where the answer is an errno name or a fact that does not depend on the file system's
# inode numbers or clock (so ext4 and the FUSE bridge can be compared line by line), then "checks: N".
#
# Covered: ownership and modes per uid, EACCES and EPERM per uid, link counts, which calls update ctime
# and mtime, rename corner cases, ENAMETOOLONG, ENOTEMPTY, EEXIST, sticky directories, setgid
# inheritance, set-id bits cleared by write and chown, utimensat (UTIME_NOW/UTIME_OMIT, explicit times
# per uid), symbolic links, FIFOs.
#
# Other users are reached by fork + setgroups/setresgid/setresuid in the child (what setpriv does).
import ctypes, errno, os, stat, sys, time

ROOT = os.path.abspath(sys.argv[1])
U1, G1 = 2001, 2001       # a user and its group
U2, G2 = 2002, 2002       # another user
GS = 2003                 # a group U1 is a supplementary member of
results = []

def rec(name, value):
    results.append(f"{name}: {value}")

def P(*parts):
    return os.path.join(ROOT, *parts)

def attempt(fn):
    try:
        r = fn()
        return "OK" if r is None else str(r)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def as_user(uid, gid, groups, fn):
    """Runs fn() as uid/gid/groups in a child process; returns its answer (an errno name, OK or a value)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups(groups)
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            os.umask(0o022)
            out = attempt(fn)
        except BaseException as e:
            out = "child failed: " + repr(e)
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()

def u1(fn): return as_user(U1, G1, [G1, GS], fn)
def u2(fn): return as_user(U2, G2, [G2], fn)

def mode(p): return oct(stat.S_IMODE(os.lstat(p).st_mode))
def owner(p):
    st = os.lstat(p)
    who = {0: "root", U1: "u1", U2: "u2", G1: "g1", G2: "g2", GS: "gs"}
    return f"{who.get(st.st_uid, st.st_uid)}:{who.get(st.st_gid, st.st_gid)}"
def nlink(p): return os.lstat(p).st_nlink

def create(p, m=0o644, data=b""):
    fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, m)
    os.write(fd, data)
    os.close(fd)

def write_to(p, data=b"x"):
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.write(fd, data)
    os.close(fd)

def read_from(p):
    with open(p, "rb") as f:
        return f.read()

# --- utimensat with UTIME_NOW / UTIME_OMIT ---------------------------------------------------------
libc = ctypes.CDLL(None, use_errno=True)
class Timespec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
UTIME_NOW, UTIME_OMIT, AT_FDCWD = (1 << 30) - 1, (1 << 30) - 2, -100
def utimens(p, a, m):
    ts = (Timespec * 2)(Timespec(*a), Timespec(*m))
    if libc.utimensat(AT_FDCWD, p.encode(), ts, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

# --- which calls change ctime and mtime -------------------------------------------------------------
def times(p):
    st = os.lstat(p)
    return (st.st_ctime_ns, st.st_mtime_ns)

def changes(watch, op):
    """Runs op and says which of the watched paths' ctime (c) and mtime (m) moved: 'file=cm dir=c' ..."""
    before = {k: times(v) for k, v in watch.items()}
    time.sleep(0.05)  # let the clock move past the file systems' timestamp granularity
    op()
    out = []
    for k, v in watch.items():
        if not os.path.lexists(v):
            out.append(f"{k}=gone")
            continue
        c0, m0 = before[k]
        c1, m1 = times(v)
        out.append(f"{k}={'c' if c1 != c0 else ''}{'m' if m1 != m0 else ''}" or f"{k}=")
    return " ".join(out)

def main():
    os.umask(0o022)
    os.chmod(ROOT, 0o755)
    # -- ownership and modes per uid
    pub = P("pub"); os.mkdir(pub, 0o777); os.chmod(pub, 0o777)
    rec("u1 creates file", u1(lambda: create(P("pub", "f1"), 0o666)))
    rec("u1 file owner", owner(P("pub", "f1")))
    rec("u1 file mode (umask 022)", mode(P("pub", "f1")))
    rec("u1 mkdir", u1(lambda: os.mkdir(P("pub", "d1"), 0o777)))
    rec("u1 dir owner and mode", owner(P("pub", "d1")) + " " + mode(P("pub", "d1")))
    rec("u2 mkdir in root's 0755 dir", u2(lambda: os.mkdir(P("nope"))))
    rec("u2 create in root's 0755 dir", u2(lambda: create(P("nope"))))
    # -- EACCES and EPERM per uid
    create(P("pub", "secret"), 0o600, b"s"); os.chown(P("pub", "secret"), U1, G1)
    rec("u2 reads u1's 0600 file", u2(lambda: read_from(P("pub", "secret"))))
    rec("u1 reads own 0600 file", u1(lambda: len(read_from(P("pub", "secret")))))
    rec("u2 writes u1's 0644 file", u2(lambda: write_to(P("pub", "f1"))))
    rec("u2 chmods u1's file", u2(lambda: os.chmod(P("pub", "f1"), 0o777)))
    rec("u1 chmods own file", u1(lambda: os.chmod(P("pub", "f1"), 0o640)))
    rec("mode after chmod", mode(P("pub", "f1")))
    rec("u1 chowns own file to u2", u1(lambda: os.chown(P("pub", "f1"), U2, -1)))
    rec("u1 chgrps own file to supplementary group", u1(lambda: os.chown(P("pub", "f1"), -1, GS)))
    rec("owner after chgrp", owner(P("pub", "f1")))
    rec("u1 chgrps own file to a group it is not in", u1(lambda: os.chown(P("pub", "f1"), -1, G2)))
    rec("root chowns to u2", attempt(lambda: os.chown(P("pub", "f1"), U2, G2)))
    rec("owner after root chown", owner(P("pub", "f1")))
    rec("u1 truncates u2's 0640 file", u1(lambda: os.truncate(P("pub", "f1"), 0)))
    rec("u2 truncates own file", u2(lambda: os.truncate(P("pub", "f1"), 3)))
    rec("size after truncate", os.stat(P("pub", "f1")).st_size)
    os.mkdir(P("noexec"), 0o700); create(P("noexec", "in"))
    os.chmod(P("noexec"), 0o744)
    rec("u1 stats through a dir without x", u1(lambda: os.stat(P("noexec", "in"))))
    rec("u1 lists a dir with r only", u1(lambda: len(os.listdir(P("noexec")))))
    rec("u1 access(W_OK) on root's 0644", u1(lambda: os.access(P("noexec"), os.W_OK)))
    rec("u1 access(R_OK) on root's 0744", u1(lambda: os.access(P("noexec"), os.R_OK)))
    # -- utimensat
    create(P("pub", "t"), 0o666); os.chown(P("pub", "t"), U1, G1)
    rec("u2 utimes(NULL) on writable file", u2(lambda: os.utime(P("pub", "t"))))
    rec("u2 explicit utimes on u1's file", u2(lambda: os.utime(P("pub", "t"), (1, 2))))
    rec("u1 explicit utimes on own file", u1(lambda: os.utime(P("pub", "t"), (1000000, 2000000))))
    rec("times after explicit", f"{os.stat(P('pub', 't')).st_atime_ns} {os.stat(P('pub', 't')).st_mtime_ns}")
    utimens(P("pub", "t"), (5, UTIME_OMIT), (0, UTIME_OMIT))
    rec("UTIME_OMIT for mtime keeps it", f"{os.stat(P('pub', 't')).st_atime_ns} {os.stat(P('pub', 't')).st_mtime_ns}")
    utimens(P("pub", "t"), (0, UTIME_OMIT), (0, UTIME_NOW))
    st = os.stat(P("pub", "t"))
    rec("UTIME_NOW for mtime, OMIT for atime", f"atime={st.st_atime_ns} mtime_recent={abs(st.st_mtime - time.time()) < 600}")
    rec("UTIME_OMIT both changes ctime", changes({"f": P("pub", "t")}, lambda: utimens(P("pub", "t"), (0, UTIME_OMIT), (0, UTIME_OMIT))))
    # -- link counts
    os.mkdir(P("links"))
    create(P("links", "a"))
    rec("nlink new file", nlink(P("links", "a")))
    os.link(P("links", "a"), P("links", "b"))
    rec("nlink after link", f"{nlink(P('links', 'a'))} {nlink(P('links', 'b'))}")
    rec("nlink new dir", nlink(P("links")))
    os.mkdir(P("links", "sub"))
    rec("nlink parent after mkdir", nlink(P("links")))
    os.rename(P("links", "sub"), P("pub", "sub"))
    rec("nlink after moving subdir out", f"{nlink(P('links'))} {nlink(P('pub'))}")
    os.rmdir(P("pub", "sub"))
    rec("nlink after rmdir", nlink(P("pub")))
    os.unlink(P("links", "b"))
    rec("nlink after unlink", nlink(P("links", "a")))
    rec("link to a directory", attempt(lambda: os.link(P("links"), P("links2"))))
    rec("link over existing name", attempt(lambda: os.link(P("links", "a"), P("links", "a"))))
    # -- which calls update ctime and mtime
    os.mkdir(P("tm")); create(P("tm", "f"), 0o644, b"abc")
    F, D = P("tm", "f"), P("tm")
    rec("times: write", changes({"f": F, "dir": D}, lambda: write_to(F)))
    rec("times: read", changes({"f": F}, lambda: read_from(F)))
    rec("times: chmod", changes({"f": F, "dir": D}, lambda: os.chmod(F, 0o600)))
    rec("times: chown", changes({"f": F}, lambda: os.chown(F, U1, -1)))
    rec("times: truncate", changes({"f": F}, lambda: os.truncate(F, 1)))
    rec("times: truncate to same size", changes({"f": F}, lambda: os.truncate(F, 1)))
    rec("times: link", changes({"f": F, "dir": D}, lambda: os.link(F, P("tm", "g"))))
    rec("times: unlink one of two", changes({"f": F, "dir": D}, lambda: os.unlink(P("tm", "g"))))
    rec("times: rename within dir", changes({"dir": D}, lambda: os.rename(F, P("tm", "f2"))))
    os.mkdir(P("tm2"))
    rec("times: rename across dirs", changes({"f": P("tm", "f2"), "from": D, "to": P("tm2")}, lambda: os.rename(P("tm", "f2"), P("tm2", "f"))))
    rec("times: mkdir", changes({"dir": D}, lambda: os.mkdir(P("tm", "s"))))
    rec("times: rmdir", changes({"dir": D}, lambda: os.rmdir(P("tm", "s"))))
    rec("times: symlink", changes({"dir": D}, lambda: os.symlink("x", P("tm", "l"))))
    rec("times: mkfifo", changes({"dir": D}, lambda: os.mkfifo(P("tm", "fifo"))))
    # -- rename corner cases
    os.mkdir(P("rn")); os.mkdir(P("rn", "d1")); os.mkdir(P("rn", "d2")); os.mkdir(P("rn", "full"))
    create(P("rn", "full", "x")); create(P("rn", "f")); os.link(P("rn", "f"), P("rn", "f-link"))
    rec("rename dir over empty dir", attempt(lambda: os.rename(P("rn", "d1"), P("rn", "d2"))))
    rec("after: old name exists", os.path.exists(P("rn", "d1")))
    rec("rename dir over non-empty dir", attempt(lambda: os.rename(P("rn", "d2"), P("rn", "full"))))
    rec("rename file over dir", attempt(lambda: os.rename(P("rn", "f"), P("rn", "d2"))))
    rec("rename dir over file", attempt(lambda: os.rename(P("rn", "d2"), P("rn", "f"))))
    rec("rename file over itself", attempt(lambda: os.rename(P("rn", "f"), P("rn", "f"))))
    rec("rename file over its hard link", attempt(lambda: os.rename(P("rn", "f"), P("rn", "f-link"))))
    rec("after: both names exist", f"{os.path.exists(P('rn', 'f'))} {os.path.exists(P('rn', 'f-link'))} nlink={nlink(P('rn', 'f'))}")
    os.mkdir(P("rn", "d2", "inner"))
    rec("rename dir into its own subdir", attempt(lambda: os.rename(P("rn", "d2"), P("rn", "d2", "inner", "x"))))
    rec("rename missing name", attempt(lambda: os.rename(P("rn", "missing"), P("rn", "y"))))
    rec("rename to . ", attempt(lambda: os.rename(P("rn", "d2"), P("rn", "."))))
    rec("renameat2 NOREPLACE over existing", attempt(lambda: rename_noreplace(P("rn", "f"), P("rn", "full"))))
    rec("renameat2 NOREPLACE to new name", attempt(lambda: rename_noreplace(P("rn", "f"), P("rn", "f3"))))
    # -- ENAMETOOLONG, ENOTEMPTY, EEXIST, EISDIR, ENOTDIR
    rec("create 255-byte name", attempt(lambda: create(P("a" * 255))))
    rec("create 256-byte name", attempt(lambda: create(P("a" * 256))))
    rec("mkdir 256-byte name", attempt(lambda: os.mkdir(P("b" * 256))))
    rec("rmdir non-empty", attempt(lambda: os.rmdir(P("rn", "full"))))
    rec("rmdir a file", attempt(lambda: os.rmdir(P("rn", "f3"))))
    rec("unlink a dir", attempt(lambda: os.unlink(P("rn", "full"))))
    rec("mkdir existing", attempt(lambda: os.mkdir(P("rn", "full"))))
    rec("O_EXCL on existing", attempt(lambda: os.close(os.open(P("rn", "f3"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))))
    rec("open a dir for writing", attempt(lambda: os.close(os.open(P("rn"), os.O_WRONLY))))
    rec("path through a file", attempt(lambda: os.stat(P("rn", "f3", "x"))))
    # -- sticky directories
    st_dir = P("sticky"); os.mkdir(st_dir); os.chmod(st_dir, 0o1777)
    rec("sticky mode", mode(st_dir))
    u1(lambda: create(os.path.join(st_dir, "mine"), 0o666))
    rec("u2 unlinks u1's file in sticky dir", u2(lambda: os.unlink(os.path.join(st_dir, "mine"))))
    rec("u2 renames u1's file in sticky dir", u2(lambda: os.rename(os.path.join(st_dir, "mine"), os.path.join(st_dir, "theirs"))))
    rec("u2 renames own file over u1's in sticky dir", u2(lambda: (create(os.path.join(st_dir, "u2f")), os.rename(os.path.join(st_dir, "u2f"), os.path.join(st_dir, "mine")))[1]))
    rec("u1 unlinks own file in sticky dir", u1(lambda: os.unlink(os.path.join(st_dir, "mine"))))
    rec("root unlinks u2's file in sticky dir", attempt(lambda: os.unlink(os.path.join(st_dir, "u2f"))))
    # -- setgid inheritance and set-id bits
    sg = P("sgid"); os.mkdir(sg); os.chown(sg, 0, GS); os.chmod(sg, 0o2777)
    rec("setgid dir mode", mode(sg))
    create(os.path.join(sg, "rootfile"))
    rec("root's file in setgid dir", owner(os.path.join(sg, "rootfile")))
    u1(lambda: os.mkdir(os.path.join(sg, "sub")))
    rec("u1's subdir in setgid dir", owner(os.path.join(sg, "sub")) + " " + mode(os.path.join(sg, "sub")))
    u2(lambda: create(os.path.join(sg, "u2file"), 0o2755))
    rec("u2 (not in group) creates g+s file in setgid dir", owner(os.path.join(sg, "u2file")) + " " + mode(os.path.join(sg, "u2file")))
    u1(lambda: create(os.path.join(sg, "u1file"), 0o2755))
    rec("u1 (in group) creates g+s file in setgid dir", owner(os.path.join(sg, "u1file")) + " " + mode(os.path.join(sg, "u1file")))
    create(P("pub", "suid"), 0o6777); os.chmod(P("pub", "suid"), 0o6777)
    rec("suid file mode", mode(P("pub", "suid")))
    rec("u1 writes root's 6777 file", u1(lambda: write_to(P("pub", "suid"))))
    rec("after u1 writes root's 6777 file", mode(P("pub", "suid")))
    create(P("pub", "suid3"), 0o6777); os.chmod(P("pub", "suid3"), 0o6777)
    rec("u1 truncates root's 6777 file", u1(lambda: os.truncate(P("pub", "suid3"), 1)))
    rec("after u1 truncates root's 6777 file", mode(P("pub", "suid3")))
    create(P("pub", "suid4"), 0o6777); os.chmod(P("pub", "suid4"), 0o6777)
    write_to(P("pub", "suid4"))
    rec("after root writes a 6777 file", mode(P("pub", "suid4")))
    create(P("pub", "suid2"), 0o6755); os.chmod(P("pub", "suid2"), 0o6755); os.chown(P("pub", "suid2"), U1, G1)
    rec("after root chowns a 6755 file", mode(P("pub", "suid2")))
    create(P("pub", "g"), 0o644); os.chown(P("pub", "g"), U1, G2)
    rec("u1 chmods g+s on file of a group it is not in", u1(lambda: os.chmod(P("pub", "g"), 0o2755)))
    rec("mode after", mode(P("pub", "g")))
    # -- symbolic links
    os.mkdir(P("sym")); create(P("sym", "target"), 0o600, b"12345")
    os.symlink("target", P("sym", "l"))
    rec("readlink", os.readlink(P("sym", "l")))
    rec("lstat type and mode", f"{stat.S_ISLNK(os.lstat(P('sym', 'l')).st_mode)} {mode(P('sym', 'l'))}")
    rec("lstat size", os.lstat(P("sym", "l")).st_size)
    rec("stat through link", os.stat(P("sym", "l")).st_size)
    os.symlink("nowhere", P("sym", "dangling"))
    rec("stat dangling", attempt(lambda: os.stat(P("sym", "dangling"))))
    rec("lstat dangling", attempt(lambda: os.lstat(P("sym", "dangling")) and None))
    os.symlink("loop2", P("sym", "loop1")); os.symlink("loop1", P("sym", "loop2"))
    rec("stat loop", attempt(lambda: os.stat(P("sym", "loop1"))))
    rec("symlink over existing", attempt(lambda: os.symlink("x", P("sym", "l"))))
    rec("lchown link", attempt(lambda: os.lchown(P("sym", "l"), U1, G1)))
    rec("owners after lchown", owner(P("sym", "l")) + " " + owner(P("sym", "target")))
    rec("u2 reads 0600 target through link", u2(lambda: read_from(P("sym", "l"))))
    os.link(P("sym", "l"), P("sym", "l-hard"))
    rec("hard link to a symlink", f"{nlink(P('sym', 'l'))} {os.readlink(P('sym', 'l-hard'))}")
    rec("symlink 4095-byte target", attempt(lambda: os.symlink("t" * 4095, P("sym", "long")) or len(os.readlink(P("sym", "long")))))
    os.mkfifo(P("sym", "fifo"), 0o640)
    rec("fifo type and mode", f"{stat.S_ISFIFO(os.lstat(P('sym', 'fifo')).st_mode)} {mode(P('sym', 'fifo'))}")
    # -- directory listing
    rec("listing of rn", " ".join(sorted(os.listdir(P("rn")))))
    for line in results:
        print(line)
    print(f"checks: {len(results)}")

def rename_noreplace(a, b):
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), 1) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

main()
