#!/bin/bash
# The simulator's speed, before and after a change: alternated rounds of two `vfs` builds, each running Fig. 5 (two
# UFS copies on memory devices) on one thread, HISTORIES histories of up to 200 calls with every kind of fault the world
# takes (disk, copy, clock: Fig. 5 has no network); prints each round's wall and CPU seconds, the calls per
# CPU-second `vfs sim` reports, and the load. docs/benchmarks.md ("The simulator") quotes it, for Release builds
# (`dotnet build src/Vfs.Cli -c Release -o DIR`). HISTORIES (50 by default) longer spreads the JIT's start-up over more
# calls; `dotnet publish src/Vfs.Cli -c Release -r linux-x64 -o DIR` gives the precompiled (ReadyToRun) `vfs`.
# Usage: benchmarks/sim-speed.sh BEFORE-VFS AFTER-VFS [ROUNDS [HISTORIES]]
set -eu
A=${1:?the vfs binary before}
B=${2:?the vfs binary after}
ROUNDS=${3:-3}
HISTORIES=${4:-50}
ARGS="sim --world fig5 --histories $HISTORIES --parallel 1 --seed 20261202 --faults all"
for r in $(seq 1 "$ROUNDS"); do
  for w in before after; do
    bin=$A; [ $w = after ] && bin=$B
    out=$(mktemp)
    /usr/bin/time -f "$w round $r: wall %e cpu %U+%S" $bin $ARGS 2>&1 >"$out" | grep round
    grep -E "^[0-9]+ histories|^speed" "$out"
    rm -f "$out"
  done
  uptime
done
