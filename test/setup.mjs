// Installs what the tests need on a fresh Debian machine (idempotent). Run by test/run.mjs.
import { execSync } from 'node:child_process';
const need = [['ip', 'iproute2'], ['unshare', 'util-linux'], ['gcc', 'gcc'],
  // image pull tests: a real distribution registry, bcrypt htpasswd, test CA
  ['docker-registry', 'docker-registry'], ['htpasswd', 'apache2-utils'], ['openssl', 'openssl'],
  // pod networking on the emulator (as root): nftables for NAT / port mappings, nc for in-pod servers
  ['nft', 'nftables'], ['nc', 'netcat-openbsd']];
const missing = need.filter(([bin]) => {
  try { execSync(`command -v ${bin}`, { stdio: 'ignore', shell: '/bin/sh' }); return false; } catch { return true; }
}).map(([, pkg]) => pkg);
if (missing.length > 0) {
  const sudo = process.getuid && process.getuid() === 0 ? '' : 'sudo ';
  console.log(`test setup: installing ${missing.join(' ')}`);
  execSync(`${sudo}apt-get update -qq && ${sudo}apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit', shell: '/bin/sh' });
}
