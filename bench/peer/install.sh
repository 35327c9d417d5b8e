#!/bin/sh
# Installs the containerd benchmark peer from Debian (bookworm: containerd 1.6.20, runc 1.1.5, CNI plugins 1.1.1)
# and the static busybox its images are made of. Debian's containerd service is not started (the bench runs its
# own instance with a private root, state and socket). Also Go and grpc-go (golang-go, golang-google-grpc-dev):
# the steady phase builds its Go relist probe (bench/steady/go/relist-probe.go) from them at run time.
set -e
missing=""
command -v containerd >/dev/null || missing="$missing containerd"
command -v runc >/dev/null || missing="$missing runc"
[ -x /usr/lib/cni/bridge ] || missing="$missing containernetworking-plugins"
command -v go >/dev/null || missing="$missing golang-go"
[ -f /usr/share/gocode/src/google.golang.org/grpc/clientconn.go ] || missing="$missing golang-google-grpc-dev"
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing="$missing busybox-static"
[ -z "$missing" ] && exit 0
# DPkg::Lock::Timeout: wait for another installer holding dpkg's lock instead of failing at once
apt-get -o DPkg::Lock::Timeout=600 update
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing
