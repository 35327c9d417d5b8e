/**
 * Emulator service entry point:
 *   node dist/src/platform/emulator/service/main.js --state <dir> [--os-version 10.0.20348] [--arch amd64]
 * Listens on <state>/service.sock (mode 0600), logs to <state>/service.log, keeps its records under
 * <state>/records. One instance per state dir: <state>/service.pid is created exclusively and a live holder
 * (or a live socket) makes a second instance exit with status 0. SIGTERM/SIGINT stop the service but leave compute
 * systems running (they are re-adopted on the next start); the `stopService` request terminates them first.
 */
import { mkdirSync, openSync, writeSync, closeSync, readFileSync, unlinkSync, appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { EmulatorService } from './server.js';
import { SOCKET_NAME, PID_NAME, LOG_NAME } from '../protocol.js';
import { logger, setLogSink } from '../../../util/log.js';
import { installLastResort, onFatalExit } from '../../../util/last-resort.js';
import { dropSpareFifos } from './fifo-pool.js';
import { flushCgroupRemovals, removeInstanceCgroups } from './cgroup-removal.js';
import { instanceId } from './instance.js';
import { abortHelperBuilds } from './c-helper.js';
import { isAlive, readArgv } from './procfs.js';

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const stateDir = arg('--state');
if (!stateDir) {
  process.stderr.write('usage: main.js --state <dir> [--os-version 10.0.20348] [--arch amd64]\n');
  process.exit(2);
}
const osVersion = arg('--os-version', '10.0.20348')!;
const architecture = arg('--arch', 'amd64')!;
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const logPath = join(stateDir, LOG_NAME);
// The same structured logger as the daemon and the IO keeper (format and level from the inherited environment).
setLogSink((line) => { try { appendFileSync(logPath, line); } catch { /* ignore */ } });
const logs = logger('emulator');
const log = (msg: string) => logs.info(msg, { pid: process.pid });
// Compute systems are supervised by this process: a stray rejection is logged and counted, never fatal.
installLastResort('emulator', log);
onFatalExit(() => releasePid());

/** Whether the pid file's holder is a live service (a reused pid running something else does not count). */
function serviceAlive(pid: number): boolean {
  return isAlive(pid) && (readArgv(pid)?.some((a) => a.endsWith('main.js')) ?? false);
}

function socketLive(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

async function acquire(): Promise<boolean> {
  const pidPath = join(stateDir!, PID_NAME);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(pidPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try { holder = Number(readFileSync(pidPath, 'utf8').trim()); } catch { /* vanished */ }
    if (holder && holder !== process.pid && serviceAlive(holder)) return false;
    if (!Number.isNaN(holder) || existsSync(pidPath)) {
      // Stale (holder dead or unreadable after a crash mid-write): remove only if still the same content.
      try {
        const now = readFileSync(pidPath, 'utf8').trim();
        if (Number(now) === holder || now === '') unlinkSync(pidPath);
      } catch { /* raced with another starter */ }
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
  }
  return false;
}

async function main(): Promise<void> {
  if (!(await acquire())) { log('another emulator service owns this state dir; exiting'); process.exit(0); }
  const sockPath = join(stateDir!, SOCKET_NAME);
  if (existsSync(sockPath)) {
    if (await socketLive(sockPath)) { log('socket is live; exiting'); releasePid(); process.exit(0); }
    unlinkSync(sockPath);
  }
  const svc = new EmulatorService({ stateDir: stateDir!, osVersion, architecture, log });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    await svc.close().catch(() => undefined);
    await abortHelperBuilds();
    await flushCgroupRemovals();
    removeInstanceCgroups(instanceId(stateDir!));
    dropSpareFifos();
    try { unlinkSync(sockPath); } catch { /* gone */ }
    releasePid();
    process.exit(0);
  };
  svc.onStopRequested = () => { void stop('stopService request'); };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGPIPE', () => undefined);
  await svc.start();
  log(`listening on ${sockPath} (os ${osVersion}, ${architecture})`);
}

function releasePid(): void {
  const pidPath = join(stateDir!, PID_NAME);
  try { if (readFileSync(pidPath, 'utf8').trim() === String(process.pid)) unlinkSync(pidPath); } catch { /* gone */ }
}

main().catch((e) => { log(`fatal: ${(e as Error).stack ?? String(e)}`); releasePid(); process.exit(1); });
