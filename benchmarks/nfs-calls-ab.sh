#!/bin/bash
# Issue 16's last row: one client's GETATTR + 64 KiB READ rate against our NFS server, this tree against the tree
# before issue 16's refactor (c0e914a), in alternated pairs. Each run is Vfs.NfsBench's in-process small-call load:
# a tmpfs exported by an NfsServer in the harness's own process, 1 client then CLIENTS clients for SECONDS s each.
# The base tree must have a Release build of its harness with `--calls-only`. c0e914a's harness lacks it: apply
# benchmarks/nfs-calls-ab-base.patch there (the flag sets the rounds to none and prints no ratio table), then build it
# with `dotnet build -c Release benchmarks/Vfs.NfsBench` there. Prints each pair's two rates and their ratio, then the
# median and range of the pairs' ratios, one client and CLIENTS clients, and the load average before each pair.
#
#   benchmarks/nfs-calls-ab.sh [BASE-TREE [PAIRS [SECONDS [CLIENTS]]]]      (defaults: /work/wt-base 8 5 16)
#
# docs/benchmarks.md ("Issue 16's small calls: faster than c0e914a") quotes it.
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-/work/wt-base}
PAIRS=${2:-8}
SECONDS_EACH=${3:-5}
CLIENTS=${4:-16}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ours=$HERE/benchmarks/Vfs.NfsBench/bin/Release/net10.0/Vfs.NfsBench
theirs=$BASE/benchmarks/Vfs.NfsBench/bin/Release/net10.0/Vfs.NfsBench
for b in "$ours" "$theirs"; do
  [ -x "$b" ] || { echo "nfs-calls-ab: no Release build at $b" >&2; exit 2; }
done
COMMON="--seconds $SECONDS_EACH --clients $CLIENTS --size-mib 16"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { grep -E "^\| $1 client" "$2" | head -1 | awk -F'|' '{gsub(/ /, "", $3); print $3}'; }
for i in $(seq 1 "$PAIRS"); do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  # Each pair in turns first, so that neither side always finds the machine as the other left it.
  order="ours theirs"; [ $((i % 2)) -eq 0 ] && order="theirs ours"
  for side in $order; do
    if [ $side = ours ]; then
      (cd "$HERE" && timeout 300 "$ours" --calls-only --in-process $COMMON > "$OUT/$side" 2>&1) || true
    else
      (cd "$BASE" && timeout 300 "$theirs" --calls-only $COMMON > "$OUT/$side" 2>&1) || true
    fi
  done
  o1=$(rate 1 "$OUT/ours"); t1=$(rate 1 "$OUT/theirs")
  on=$(rate "$CLIENTS" "$OUT/ours"); tn=$(rate "$CLIENTS" "$OUT/theirs")
  echo "pair $i (load $load): 1 client $o1 / $t1 = $(ratio "$o1" "$t1"), $CLIENTS clients $on / $tn = $(ratio "$on" "$tn")"
  echo "$o1 $t1" >> "$OUT/one"
  echo "$on $tn" >> "$OUT/many"
done
summary() {
  awk '{print $1 / $2}' "$1" | sort -g | awk -v what="$2" '{r[NR] = $1} END {
    printf "%s: median of %d pair ratios %.2f (%.2f-%.2f)\n", what, NR, r[int(NR / 2) + 1], r[1], r[NR] }'
}
summary "$OUT/one" "1 client, this tree / base"
summary "$OUT/many" "$CLIENTS clients, this tree / base"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
