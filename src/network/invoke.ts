/**
 * Executes a CNI plugin: environment variables CNI_* (+ extra environment), the configuration on stdin, the
 * result (or the error object) on stdout. A call that takes longer than the timeout is killed and fails.
 */
import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setLongTimeout } from '../util/long-timer.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';

/** A plugin's error object ({code, msg, details}), or a failure to run it. */
export class CniError extends Error {
  constructor(readonly code: number, readonly msg: string, readonly details = '', readonly plugin = '', readonly command = '') {
    super(`${plugin ? `plugin ${plugin} ` : ''}${command ? `${command} ` : ''}failed (code ${code}): ${msg}${details ? ` (${details})` : ''}`);
    this.name = 'CniError';
  }
}

export interface InvokeArgs {
  command: CniCommand;
  containerId?: string;
  netns?: string;
  ifName?: string;
  args?: string;
  /** Directories searched for plugins (CNI_PATH). */
  path: string[];
  env?: Record<string, string>;
  timeoutMs: number;
}

const WINDOWS_SUFFIXES = ['.exe', '.cmd', '.bat', ''];

/** The first executable named `type` in the bin dirs (on Windows also with .exe / .cmd / .bat). */
export async function findPlugin(type: string, dirs: string[], platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  return (await locatePlugin(type, dirs, platform))?.file;
}

/** A found plugin and its identity (`file:size:mtime`, from the stat that found it): caches key on it. */
export interface LocatedPlugin { file: string; key: string }

/** findPlugin with the identity of the file found (one stat serves both). */
export async function locatePlugin(type: string, dirs: string[], platform: NodeJS.Platform = process.platform): Promise<LocatedPlugin | undefined> {
  const suffixes = platform === 'win32' ? WINDOWS_SUFFIXES : [''];
  for (const d of dirs) {
    for (const s of suffixes) {
      const p = join(d, type + s);
      try {
        const st = await stat(p);
        if (!st.isFile()) continue;
        if (platform !== 'win32') await access(p, constants.X_OK);
        return { file: p, key: `${p}:${st.size}:${st.mtimeMs}` };
      } catch { /* next */ }
    }
  }
  return undefined;
}

/** Runs `file` once. Resolves with the parsed stdout JSON (null when empty); rejects with CniError. */
export function execPlugin(file: string, stdin: unknown, a: InvokeArgs, plugin = file): Promise<unknown> {
  const sep = process.platform === 'win32' ? ';' : ':';
  const env: Record<string, string> = { ...baseEnv(), ...(a.env ?? {}), CNI_COMMAND: a.command, CNI_PATH: a.path.join(sep) };
  if (a.containerId !== undefined) env.CNI_CONTAINERID = a.containerId;
  if (a.netns !== undefined) env.CNI_NETNS = a.netns;
  if (a.ifName !== undefined) env.CNI_IFNAME = a.ifName;
  if (a.args !== undefined) env.CNI_ARGS = a.args;
  const isCmd = process.platform === 'win32' && /\.(cmd|bat)$/i.test(file);
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'], shell: isCmd, windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setLongTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, a.timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => { if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(c); });
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      timer.clear();
      reject(new CniError(5, `cannot execute ${file}: ${e.message}`, '', plugin, a.command));
    });
    child.on('close', (code, signal) => {
      timer.clear();
      const text = Buffer.concat(out).toString('utf8').trim();
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (timedOut) {
        reject(new CniError(11, `timed out after ${a.timeoutMs} ms`, stderr, plugin, a.command));
        return;
      }
      let parsed: unknown = null;
      if (text) {
        try { parsed = JSON.parse(text); } catch {
          if (code === 0) { reject(new CniError(6, `output is not JSON: ${text.slice(0, 200)}`, stderr, plugin, a.command)); return; }
        }
      }
      if (code !== 0) {
        const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
        const c = typeof e.code === 'number' ? e.code : 999;
        const msg = typeof e.msg === 'string' ? e.msg : (text || stderr || `exited with ${code ?? signal}`);
        reject(new CniError(c, msg, typeof e.details === 'string' ? e.details : (typeof e.msg === 'string' ? '' : stderr), plugin, a.command));
        return;
      }
      resolve(parsed);
    });
    child.stdin.end(JSON.stringify(stdin));
  });
}

/** The daemon's own environment minus CNI_* (plugins get exactly the CNI variables of the call). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CNI_')) env[k] = v;
  return env;
}
