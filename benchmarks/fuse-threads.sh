#!/bin/bash
# Where a `vfs mount-host` spends its CPU during one fio job, thread by thread, and what the JIT compiles meanwhile.
# FuseBench gives the server's CPU per operation as one figure; this splits it: a new mount of FuseBench's world (one
# UFS image, or an mfs of two), WARMUP MiB written three times first (fio, 1 MiB writes, fsync, half a second apart,
# as FuseBench's --warmup), then fio's job (FuseBench's seq-write unless JOB names another fio --rw), and around the
# job the utime+stime of each of the server's threads (/proc/PID/task/*/stat) and how often each slept and was preempted
# (voluntary and involuntary context switches, /proc/PID/task/*/status), summed by thread name: the bridge's
# request threads ("fuse DIR"), the mirror's copy workers ("mfs ID copy worker"), the runtime's tiered compiler
# (".NET Tiered Compilation Worker"); the kernel keeps 15 characters of a name. The JIT's own list
# (DOTNET_JitDisasmSummary) gives the methods compiled during the job by tier. docs/benchmarks.md ("Stop 27: the
# mirror's sequential write through FUSE") shows what it found.
# Needs root, fuse3 and fio. Usage: benchmarks/fuse-threads.sh VFS-DLL ufs|mfs [WARMUP-MIB [DIR [JOB]]]
#   VFS-DLL  a Release build's vfs.dll (`dotnet build -c Release src/Vfs.Cli`: src/Vfs.Cli/bin/Release/net10.0/vfs.dll)
#   DIR      where the images and the mount point go (default /tmp/fuse-threads); removed and made again
#   JOB      write (default: 256 MiB of 1 MiB writes, fsync at the end) or randwrite (4 KiB, 10 s, fsync at the end)
#            (a randwrite job's CPU includes fio's laying out of the 256 MiB file first, as in FuseBench)
set -eu
DLL=${1:?a vfs.dll}
TARGET=${2:?ufs or mfs}
WARMUP=${3:-0}
DIR=${4:-/tmp/fuse-threads}
JOB=${5:-write}
rm -rf "$DIR"
mkdir -p "$DIR/mnt"
if [ "$TARGET" = ufs ]; then
  dotnet "$DLL" newfs "$DIR/ufs.img" -s 768M >/dev/null
  printf 'mkdir -p /data\nmount -F ufs -o cachesize=640m %s /data\n' "$DIR/ufs.img" >"$DIR/world.vfs"
else
  for i in 0 1; do dotnet "$DLL" newfs "$DIR/copy$i.img" -s 768M >/dev/null; done
  { echo 'mkdir -p /data'
    for i in 0 1; do echo "mkdir -p /copies/$i"; echo "mount -F ufs -o cachesize=640m $DIR/copy$i.img /copies/$i"; done
    echo 'mount -F mfs -o hide /copies/0,/copies/1 /data'; } >"$DIR/world.vfs"
fi
export DOTNET_JitDisasmSummary=1 DOTNET_JitStdOutFile="$DIR/jit.txt"
coproc SERVER { exec dotnet "$DLL" mount-host --world "$DIR/world.vfs" --path /data "$DIR/mnt"; }
PID=$SERVER_PID
read -r first <&"${SERVER[0]}"
case "$first" in mounted*) ;; *) echo "vfs mount-host: $first" >&2; exit 1;; esac
unset DOTNET_JitDisasmSummary DOTNET_JitStdOutFile
if [ "$WARMUP" -gt 0 ]; then
  for i in 1 2 3; do
    fio --name=warmup --directory="$DIR/mnt" --filename="warmup$i" --ioengine=psync --rw=write --bs=1M \
      --size="${WARMUP}M" --end_fsync=1 --output-format=terse >/dev/null
    sleep 0.5
  done
fi
# thread name|utime+stime in clock ticks|voluntary|involuntary context switches, one line per thread
threads() {
  for t in /proc/"$PID"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    read -r -a f <<<"${stat##*) }"
    sw=$(awk '/^voluntary_ctxt_switches/ {v=$2} /^nonvoluntary_ctxt_switches/ {n=$2} END {print v "|" n}' "$t/status" 2>/dev/null)
    echo "$(cat "$t/comm")|$((f[11] + f[12]))|$sw"
  done
}
threads >"$DIR/before"
jit_before=$(wc -l <"$DIR/jit.txt")
if [ "$JOB" = write ]; then
  fio --name=job --directory="$DIR/mnt" --filename=bench --ioengine=psync --rw=write --bs=1M --size=256M \
    --end_fsync=1 --output-format=json >"$DIR/fio.json"
else
  fio --name=job --directory="$DIR/mnt" --filename=bench --ioengine=psync --rw="$JOB" --bs=4k --size=256M \
    --time_based --runtime=10 --end_fsync=1 --output-format=json >"$DIR/fio.json"
fi
threads >"$DIR/after"
tail -n +"$((jit_before + 1))" "$DIR/jit.txt" >"$DIR/jit-job.txt"
kill -TERM "$PID"
wait "$PID" || true
python3 - "$DIR" "$TARGET" "$WARMUP" <<'PY'
import collections, json, os, re, sys
d, target, warmup = sys.argv[1:4]
w = json.load(open(f"{d}/fio.json"))["jobs"][0]["write"]
ios, mib = w["total_ios"], w["io_bytes"] / 2**20
ticks = os.sysconf("SC_CLK_TCK")
def cpu(name):
    c, vol, inv = collections.Counter(), collections.Counter(), collections.Counter()
    for line in open(f"{d}/{name}"):
        thread, t, v, n = line.rstrip("\n").rsplit("|", 3)
        c[thread] += int(t)
        vol[thread] += int(v or 0)
        inv[thread] += int(n or 0)
    return c, vol, inv
(before, vb, ib), (after, va, ia) = cpu("before"), cpu("after")
print(f"{target}, warm-up {warmup} MiB x 3: {w['bw'] / 1024:.0f} MiB/s, {ios} writes, load {open('/proc/loadavg').read().split()[0]}")
total = 0
for thread in sorted(after):
    used = after[thread] - before.get(thread, 0)
    total += used
    sleeps, preempted = va[thread] - vb.get(thread, 0), ia[thread] - ib.get(thread, 0)
    if used or sleeps:
        print(f"  {thread:<16} {used * 1e6 / ticks / mib:8.0f} us/MiB  {used * 1e6 / ticks / ios:8.1f} us/write"
              f"  {sleeps / ios:5.2f} sleeps and {preempted / ios:5.2f} preemptions per write")
print(f"  {'all threads':<16} {total * 1e6 / ticks / mib:8.0f} us/MiB  {total * 1e6 / ticks / ios:8.1f} us/write")
tiers = collections.Counter(m.group(1) for m in (re.search(r"\[([^\[\],]+), IL size", l) for l in open(f"{d}/jit-job.txt")) if m)
print("  methods compiled during the job: " + (", ".join(f"{n} {t}" for t, n in tiers.most_common()) or "none"))
PY
