#!/bin/bash
# The NFS small-file loop of two trees, alternated: each pair runs NfsBench's small-file group (CREATE + a 100-byte
# FILE_SYNC WRITE per file, our servers on tmpfs and on a UFS image against ganesha) in the base tree and then in the
# new one, and prints each run's ratio rows with the load, and each server's CPU time over the run (utime+stime of
# the `vfs serve` and ganesha.nfsd processes, from /proc/PID/stat, sampled every 0.2 s while they live).
# Both trees need a Release build of the harness (`dotnet build -c Release benchmarks/Vfs.NfsBench`); a worktree of
# the base commit serves as the base tree. docs/benchmarks.md ("Stop 30") shows what it printed.
# Usage: benchmarks/nfs-small-ab.sh BASE-TREE NEW-TREE [PAIRS [ROUNDS [FILES]]]
set -u
BASE=${1:?the base tree}
NEW=${2:?the new tree}
PAIRS=${3:-4}
ROUNDS=${4:-5}
FILES=${5:-2000}
for pair in $(seq 1 "$PAIRS"); do
  for tree in "$BASE" "$NEW"; do
    echo "== pair $pair $tree, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S)"
    out=$(mktemp)
    (cd "$tree" && dotnet benchmarks/Vfs.NfsBench/bin/Release/net10.0/Vfs.NfsBench.dll --only small \
        --rounds "$ROUNDS" --files "$FILES" >"$out" 2>&1) &
    bench=$!
    declare -A first=() last=()
    while kill -0 "$bench" 2>/dev/null; do
      for p in $(pgrep -f "serve --tmpfs|serve --image|ganesha.nfsd"); do
        t=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) || continue
        name=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -o "serve --tmpfs\|serve --image\|ganesha" | head -1)
        [ -z "$t" ] || [ -z "$name" ] && continue
        [ -z "${first[$name]:-}" ] && first[$name]=$t
        last[$name]=$t
      done
      sleep 0.2
    done
    for n in "${!first[@]}"; do echo "$n: $(( (${last[$n]} - ${first[$n]}) * 10 )) ms of CPU"; done
    grep "^| small files/s" "$out"
    rm -f "$out"
  done
done
