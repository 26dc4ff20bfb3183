#!/bin/bash
# The simulator's speed, before and after a change: alternated rounds of two `vfs` builds, each on Fig. 5 (two UFS
# copies on memory devices behind a mirror) on one thread. Each round runs, before then after:
#   steady  issue 11's benchmark: 20 histories of up to 5,000 calls without faults (54,306 calls; the JIT and the
#           20 world builds spread over them);
#   faults  HISTORIES histories (200 by default) of up to 200 calls with the faults `--faults all` gives the world
#           (disk, copy, clock: Fig. 5 has no network, and `all` leaves out power and crash), a world built for each.
# It prints each run's wall and CPU seconds (/usr/bin/time's user+system), the calls per CPU-second `vfs sim` reports,
# and the load. docs/benchmarks.md ("Stop 26: the simulator's speed") says why these two, for Release builds
# (`dotnet build src/Vfs.Cli -c Release -o DIR`).
# Usage: benchmarks/sim-speed.sh BEFORE-VFS AFTER-VFS [ROUNDS [HISTORIES [WHICH]]]   (WHICH: steady, faults or both)
set -eu
A=${1:?the vfs binary before}
B=${2:?the vfs binary after}
ROUNDS=${3:-3}
HISTORIES=${4:-200}
WHICH=${5:-both}
STEADY="sim --world fig5 --histories 20 --steps 5000 --parallel 1 --seed 20261202 --faults none"
FAULTS="sim --world fig5 --histories $HISTORIES --parallel 1 --seed 20261202 --faults all"
runs=()
[ "$WHICH" != faults ] && runs+=(steady)
[ "$WHICH" != steady ] && runs+=(faults)
for r in $(seq 1 "$ROUNDS"); do
  for run in "${runs[@]}"; do
    args=$STEADY; [ "$run" = faults ] && args=$FAULTS
    for w in before after; do
      bin=$A; [ $w = after ] && bin=$B
      out=$(mktemp)
      /usr/bin/time -f "$run $w round $r: wall %e cpu %U+%S" $bin $args 2>&1 >"$out" | grep round
      grep -E "^[0-9]+ histories|^speed" "$out"
      rm -f "$out"
    done
  done
  uptime
done
