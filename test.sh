#!/usr/bin/env bash
# Runs every test of the solution from a fresh clone.
#
# 1. Installs the real peers the interop tests talk to (Debian packages), when they are missing
#    and this runs as root with apt: The Sleuth Kit and GRUB read our UFS2 images, libnfs and
#    nfs-ganesha speak NFS with us, tshark decodes our traffic, fuse3 mounts our bridge (attr's setfattr/getfattr use its xattrs); fio and
#    bindfs measure it (benchmarks/Vfs.FuseBench); graphviz draws the walkthroughs' pictures (`graph --svg`).
# 2. Builds the solution (NuGet restores what it needs).
# 3. Runs every test project.
set -euo pipefail
cd "$(dirname "$0")"

peers=(sleuthkit grub-common libnfs-utils libnfs-dev nfs-ganesha nfs-ganesha-vfs tshark fuse3 rpcbind zstd fio bindfs graphviz attr)
missing=()
for p in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test.sh: missing ${missing[*]} (not root with apt): interop tests will say they cannot run" >&2
  fi
fi

dotnet build Vfs.sln -nologo -v quiet
dotnet test Vfs.sln --no-build -nologo -v quiet --logger "console;verbosity=minimal" "$@"
