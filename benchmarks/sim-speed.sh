#!/bin/bash
# The simulator's speed, before and after a change: alternated rounds of two `vfs` builds (Debug, as the tests
# run), each running Fig. 5's 50 histories on one thread; prints each round's wall and CPU seconds and the load.
# docs/benchmarks.md ("The simulator") quotes it. Usage: benchmarks/sim-speed.sh BEFORE-VFS AFTER-VFS
set -eu
A=${1:?the vfs binary before}
B=${2:?the vfs binary after}
ARGS="sim --world fig5 --histories 50 --parallel 1 --seed 20261202 --faults all"
for r in 1 2 3; do
  for w in before after; do
    bin=$A; [ $w = after ] && bin=$B
    out=$(mktemp)
    /usr/bin/time -f "$w round $r: wall %e cpu %U+%S" $bin $ARGS 2>&1 >"$out" | grep round
    grep -E "^[0-9]+ histories" "$out"
    rm -f "$out"
  done
  uptime
done
