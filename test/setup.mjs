// Installs what the tests need on a fresh Debian machine (idempotent). Run by test/run.mjs.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
const need = [['ip', 'iproute2'], ['unshare', 'util-linux'], ['gcc', 'gcc'],
  // image pull tests: a real distribution registry, bcrypt htpasswd, test CA
  ['docker-registry', 'docker-registry'], ['htpasswd', 'apache2-utils'], ['openssl', 'openssl'],
  // pod networking on the emulator (as root): nftables for NAT / port mappings, nc for in-pod servers
  ['nft', 'nftables'], ['nc', 'netcat-openbsd'],
  // a real grpc-go < 1.57 CRI client (sends the socket path as :authority, like kubelet <= 1.28): Go + Debian's grpc-go
  ['go', 'golang-go'], ['/usr/share/gocode/src/google.golang.org/grpc/clientconn.go', 'golang-google-grpc-dev'],
  // real Python and Java CRI clients (test/e2e/python-client, java-client): Debian's grpcio + grpc_tools, grpc-java + Netty
  ['/usr/lib/python3/dist-packages/grpc/__init__.py', 'python3-grpcio'], ['/usr/lib/python3/dist-packages/grpc_tools/protoc.py', 'python3-grpc-tools'],
  ['javac', 'default-jdk-headless'], ['/usr/share/java/grpc-netty.jar', 'libgrpc-java'], ['/usr/share/java/netty-codec-http2.jar', 'libnetty-java'],
  ['/usr/share/java/guava.jar', 'libguava-java'], ['/usr/share/java/perfmark-api.jar', 'libperfmark-java']];
const missing = need.filter(([bin]) => {
  if (bin.startsWith('/')) return !existsSync(bin);
  try { execSync(`command -v ${bin}`, { stdio: 'ignore', shell: '/bin/sh' }); return false; } catch { return true; }
}).map(([, pkg]) => pkg);
if (missing.length > 0) {
  const sudo = process.getuid && process.getuid() === 0 ? '' : 'sudo ';
  console.log(`test setup: installing ${missing.join(' ')}`);
  // Another installer (unattended-upgrades on a fresh machine, a second checkout's setup) may hold dpkg's lock: wait for it.
  const lock = '-o DPkg::Lock::Timeout=600';
  execSync(`${sudo}apt-get ${lock} update -qq && ${sudo}apt-get ${lock} install -y -qq ${missing.join(' ')}`, { stdio: 'inherit', shell: '/bin/sh' });
}
