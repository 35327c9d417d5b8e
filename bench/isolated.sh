#!/bin/sh
# Runs a command (a bench, the chaos run, a soak) in a network and mount namespace of its own, as root: a loopback of
# its own (the soak's inspector port 127.0.0.1:9229 and the runtimes' ports collide with nothing else), its own
# nftables, and a private tmpfs on /run/netns so that the pod network namespaces it makes are not seen from the host.
# Usage: bench/isolated.sh node dist/bench/run.js --favordynmods
set -e
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
exec unshare --mount --net sh -c '
  set -e
  mount --make-rprivate /
  mkdir -p /run/netns
  mount -t tmpfs -o mode=0755 wincri-netns /run/netns
  ip link set lo up
  exec "$@"' isolated "$@"
