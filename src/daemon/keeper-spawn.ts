/**
 * Starting the IO keeper: a detached process that outlives the daemon (it owns the containers' stdio). Its own log
 * goes to io/keeper.log through --log-file, rotated by size and count like the daemon's (logFileMaxSizeMB,
 * logFileMaxFiles); only what never passes through the logger (a native crash, a Node warning) lands in
 * io/keeper.out, the process's stdout/stderr.
 */
import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.js';
import { keeperPaths } from './platform-factory.js';
import { writeFileAtomic } from '../util/atomic.js';
import { SMALL_HEAP_NODE_FLAGS } from '../util/node-flags.js';
import { logger } from '../util/log.js';

const log = logger('daemon');

/** The keeper's node arguments (after the node executable). */
export function keeperArgs(cfg: Config, cli = fileURLToPath(new URL('../cli/main.js', import.meta.url))): string[] {
  const p = keeperPaths(cfg);
  return [...SMALL_HEAP_NODE_FLAGS, cli, 'io-keeper', '--config', p.configFile, '--log-file', p.logFile];
}

/** Starts the IO keeper detached, with the daemon's configuration. */
export async function spawnKeeper(cfg: Config): Promise<void> {
  const p = keeperPaths(cfg);
  await mkdir(p.stateDir, { recursive: true, mode: 0o700 });
  // JSON (which is YAML): the keeper reads it without loading the YAML parser (src/config/config.ts).
  await writeFileAtomic(p.configFile, JSON.stringify(cfg, null, 1));
  const out = await open(p.outFile, 'a');
  const child = spawn(process.execPath, keeperArgs(cfg), { detached: true, stdio: ['ignore', out.fd, out.fd], env: process.env });
  child.unref();
  await out.close();
  if (child.pid) await writeFileAtomic(p.pidFile, String(child.pid));
  log.info('started IO keeper', { pid: child.pid, log: p.logFile });
}
