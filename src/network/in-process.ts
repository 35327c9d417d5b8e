/**
 * In-process fast path for wincri's own CNI plugin. The daemon that ships the plugin can run it without a process
 * per call (a Node start-up is most of an ADD/DEL's cost): when the file found for a plugin type is wincri's
 * launcher (cni/bin/nat, overlay, l2bridge, wincri-cni) and that launcher would load exactly the plugin code the
 * runner holds, the call goes to the runner with the same environment and stdin as an exec would get. Anything
 * else — third-party plugins, a launcher from another installation, WINCRI_CNI_MAIN set — is executed as usual.
 */
import { open, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CniError, execPlugin, type InvokeArgs, type LocatedPlugin } from './invoke.js';
import { timed } from '../util/rpc-clock.js';
import { setLongTimeout, type LongTimeout } from '../util/long-timer.js';

/** Runs one plugin invocation in this process: the plugin's own entry (cni/plugin/run.ts) with a shared platform. */
export interface InProcessPlugin {
  /** The compiled plugin entry the runner's code is (dist/cni/plugin/main.js). */
  mainPath: string;
  run(env: NodeJS.ProcessEnv, stdin: string): Promise<{ code: number; stdout: string }>;
}

/** First line of the launcher's comment (cni/bin/nat). */
const LAUNCHER_MARK = 'wincri CNI plugin launcher';
const known = new Map<string, { key: string; own: boolean }>();

/** True when the plugin found is a wincri launcher that resolves to `mainPath` (cached per file identity and mainPath). */
export async function isOwnLauncher(found: LocatedPlugin, mainPath: string, env: Record<string, string>): Promise<boolean> {
  if (env.WINCRI_CNI_MAIN || process.platform === 'win32') return false;
  const { file } = found;
  const key = `${found.key}:${mainPath}`;
  const hit = known.get(file);
  if (hit?.key === key) return hit.own;
  let own = false;
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(512);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      own = head.subarray(0, bytesRead).toString('utf8').includes(LAUNCHER_MARK)
        && resolve(dirname(await realpath(file)), '..', '..', 'dist', 'cni', 'plugin', 'main.js') === resolve(mainPath);
    } finally { await fh.close(); }
  } catch { own = false; }
  known.set(file, { key, own });
  return own;
}

let daemonEnv: Record<string, string> | undefined;

/** The environment an exec of the plugin would get (invoke.ts builds the same); the daemon's part read once. */
function pluginEnv(a: InvokeArgs): Record<string, string> {
  if (!daemonEnv) {
    daemonEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CNI_')) daemonEnv[k] = v;
  }
  const env: Record<string, string> = { ...daemonEnv, ...(a.env ?? {}), CNI_COMMAND: a.command, CNI_PATH: a.path.join(':') };
  if (a.containerId !== undefined) env.CNI_CONTAINERID = a.containerId;
  if (a.netns !== undefined) env.CNI_NETNS = a.netns;
  if (a.ifName !== undefined) env.CNI_IFNAME = a.ifName;
  if (a.args !== undefined) env.CNI_ARGS = a.args;
  return env;
}

/** execPlugin with the in-process path for wincri's own plugin; same results and CniErrors either way. */
export async function runPlugin(inProcess: InProcessPlugin | undefined, found: LocatedPlugin, stdin: unknown, a: InvokeArgs, plugin = found.file): Promise<unknown> {
  if (!inProcess || !(await isOwnLauncher(found, inProcess.mainPath, a.env ?? {}))) return timed('cni-exec', () => execPlugin(found.file, stdin, a, plugin));
  let timer: LongTimeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setLongTimeout(() => reject(new CniError(11, `timed out after ${a.timeoutMs} ms`, '', plugin, a.command)), a.timeoutMs);
  });
  let r: { code: number; stdout: string };
  try {
    r = await Promise.race([inProcess.run(pluginEnv(a), JSON.stringify(stdin)), timeout]);
  } finally { timer?.clear(); }
  const text = r.stdout.trim();
  let parsed: unknown = null;
  if (text) {
    try { parsed = JSON.parse(text); } catch { throw new CniError(6, `output is not JSON: ${text.slice(0, 200)}`, '', plugin, a.command); }
  }
  if (r.code !== 0) {
    const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
    throw new CniError(typeof e.code === 'number' ? e.code : 999, typeof e.msg === 'string' ? e.msg : `exited with ${r.code}`,
      typeof e.details === 'string' ? e.details : '', plugin, a.command);
  }
  return parsed;
}

