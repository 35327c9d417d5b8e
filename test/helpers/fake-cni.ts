/**
 * A small CNI plugin for tests: an executable node script that logs every call (command, CNI_* environment,
 * stdin) as one JSON line to the file named by the conf's `log` field, and answers with canned results:
 *  - VERSION → { cniVersion, supportedVersions: $FAKE_CNI_VERSIONS (comma-separated) ?? all }
 *  - ADD     → an IP derived from the container ID (10.<conf.octet ?? 88>.x.y/16), or fails when conf.failAdd
 *  - DEL     → success (fails when conf.failDel); CHECK → fails when conf.failCheck
 *  - STATUS  → fails with code 50 while the file named by conf.notReadyFile exists
 *  - GC      → success
 * A conf field `sleepMs` delays every call (for timeouts).
 */
import { writeFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = String.raw`
const fs = require('fs');
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const conf = input ? JSON.parse(input) : {};
  const cmd = process.env.CNI_COMMAND;
  const env = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('CNI_') || k.startsWith('WINCRI_')) env[k] = process.env[k];
  if (conf.log) fs.appendFileSync(conf.log, JSON.stringify({ cmd, env, conf }) + '\n');
  const fail = (code, msg) => { process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, code, msg, details: 'fake' })); process.exit(1); };
  const go = () => {
    const v = conf.cniVersion || '0.1.0';
    switch (cmd) {
      case 'VERSION':
        process.stdout.write(JSON.stringify({ cniVersion: v, supportedVersions: process.env.FAKE_CNI_VERSIONS ? process.env.FAKE_CNI_VERSIONS.split(',') : ['0.1.0','0.2.0','0.3.0','0.3.1','0.4.0','1.0.0','1.1.0'] }));
        return;
      case 'ADD': {
        if (conf.failAdd) return fail(100, 'add refused');
        let h = 0;
        for (const ch of process.env.CNI_CONTAINERID || '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
        const ip = '10.' + (conf.octet || 88) + '.' + ((h >> 8) & 255) + '.' + ((h & 255) || 1);
        let r;
        if (v === '0.1.0' || v === '0.2.0') r = { cniVersion: v, ip4: { ip: ip + '/16' } };
        else {
          r = { cniVersion: v, interfaces: [{ name: process.env.CNI_IFNAME, sandbox: process.env.CNI_NETNS }],
            ips: [{ address: ip + '/16', interface: 0 }], dns: {} };
          if (conf.ipv6) r.ips.push({ address: 'fd00::' + ((h & 0xffff).toString(16)) + '/64', interface: 0 });
          if (v.startsWith('0.3') || v === '0.4.0') r.ips.forEach((x) => { x.version = x.address.includes(':') ? '6' : '4'; });
        }
        if (conf.prevResult && conf.passThrough) r = conf.prevResult;
        process.stdout.write(JSON.stringify(r));
        return;
      }
      case 'DEL': if (conf.failDel) return fail(101, 'del refused'); return;
      case 'CHECK': if (conf.failCheck) return fail(102, 'check failed'); return;
      case 'STATUS': if (conf.notReadyFile && fs.existsSync(conf.notReadyFile)) return fail(50, 'plugin not available'); return;
      case 'GC': return;
      default: return fail(4, 'unknown command ' + cmd);
    }
  };
  if (conf.sleepMs) setTimeout(go, conf.sleepMs); else go();
});
`;

/** Writes the fake plugin as `<dir>/<name>` (executable) and returns its path. */
export function writeFakePlugin(dir: string, name = 'fake-net'): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!${process.execPath}\n${SCRIPT}`);
  chmodSync(p, 0o755);
  return p;
}

export interface FakeCall { cmd: string; env: Record<string, string>; conf: Record<string, unknown> }

/**
 * A temporary CNI layout for tests (removed after the test): `bin` holding the fake plugin `fake-net`, an empty
 * `conf` directory, the plugin's call log `log`, and `calls()` reading it back.
 */
export function fakeCniDir(t: { after(fn: () => void): void }, prefix: string): { dir: string; bin: string; conf: string; log: string; calls: () => FakeCall[] } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const conf = join(dir, 'conf');
  mkdirSync(conf, { recursive: true });
  writeFakePlugin(bin, 'fake-net');
  const log = join(dir, 'calls.log');
  const calls = (): FakeCall[] => existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeCall) : [];
  return { dir, bin, conf, log, calls };
}
