/** Node checks: CNI configuration and plugins, kubelet's endpoint flags, the endpoint's permissions, disk, clock. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import YAML from 'yaml';
import type { Config } from '../../config/config.js';
import { endpointPath } from '../../config/config.js';
import { ConfDirLoader, findPlugin } from '../../network/index.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';

export async function cniChecks(cfg: Config): Promise<CheckResult[]> {
  const loaded = await new ConfDirLoader(cfg.cni.confDir).load();
  const net = loaded.network;
  if (!net) return [fail('cni config', loaded.problems.join('; ') || `no network config in ${cfg.cni.confDir}`, `write a .conflist into ${cfg.cni.confDir} (examples: deploy/kubernetes/cni/); NetworkReady stays false until then`)];
  const out = [ok('cni config', `network "${net.name}" (CNI ${net.cniVersion}) from ${cfg.cni.confDir}`)];
  for (const p of net.plugins) {
    const found = await findPlugin(p.type, cfg.cni.binDirs);
    out.push(found ? ok(`cni plugin ${p.type}`, found)
      : fail(`cni plugin ${p.type}`, `not found (or not executable) in ${cfg.cni.binDirs.join(', ')}`, `install the "${p.type}" plugin into one of cni.binDirs, or add its directory to cni.binDirs`));
  }
  return out;
}

/** unix:///run/x.sock, /run/x.sock and npipe:////./pipe/x compare equal to themselves in any spelling. */
export function sameEndpoint(a: string, b: string): boolean {
  const norm = (e: string) => {
    const withScheme = /^[a-z]+:\/\//.test(e) ? e : `unix://${e}`;
    try { return endpointPath(withScheme).toLowerCase(); } catch { return e.toLowerCase(); }
  };
  return norm(a) === norm(b);
}

/** The runtime endpoint a kubelet command line uses (the flag, else its --config file's containerRuntimeEndpoint). */
export function kubeletEndpoint(argv: string[], readFile: (f: string) => string = (f) => readFileSync(f, 'utf8')): string | undefined {
  let endpoint: string | undefined, config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?(container-runtime-endpoint|config)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) continue;
    const v = m[2] ?? argv[++i];
    if (m[1] === 'config') config = v; else endpoint = v;
  }
  if (endpoint !== undefined || !config) return endpoint;
  try { return (YAML.parse(readFile(config)) as { containerRuntimeEndpoint?: string } | null)?.containerRuntimeEndpoint; } catch { return undefined; }
}

function kubeletCommandLines(): string[][] {
  if (process.platform === 'win32') {
    const r = spawnSync('powershell.exe', ['-NoProfile', '-Command', "Get-CimInstance Win32_Process -Filter \"Name='kubelet.exe'\" | ForEach-Object { $_.CommandLine }"], { encoding: 'utf8', timeout: 20_000 });
    return (r.stdout ?? '').split(/\r?\n/).filter(Boolean).map((l) => l.match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, '')));
  }
  const out: string[][] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv[0] && /(^|\/)kubelet$/.test(argv[0])) out.push(argv);
    } catch { /* gone */ }
  }
  return out;
}

export function kubeletCheck(cfg: Config, cmdlines = kubeletCommandLines()): CheckResult {
  const name = 'kubelet endpoint';
  if (cmdlines.length === 0) return skip(name, 'no kubelet running on this node');
  const fix = `run kubelet with --container-runtime-endpoint=${cfg.endpoint} --image-service-endpoint=${cfg.endpoint}`;
  for (const argv of cmdlines) {
    const e = kubeletEndpoint(argv);
    if (!e) return fail(name, 'kubelet runs without --container-runtime-endpoint (it then uses containerd\'s)', fix);
    if (!sameEndpoint(e, cfg.endpoint)) return fail(name, `kubelet uses ${e}, wincri serves ${cfg.endpoint}`, fix);
  }
  return ok(name, `kubelet uses ${cfg.endpoint}`);
}

export function endpointPermissionCheck(cfg: Config): CheckResult {
  const name = 'endpoint permissions';
  if (cfg.endpoint.startsWith('npipe://')) return skip(name, 'named pipe: the daemon sets SYSTEM+Administrators itself and refuses to serve otherwise');
  const path = endpointPath(cfg.endpoint);
  let st;
  try { st = statSync(path); } catch { return fail(name, `no socket at ${path}`, 'start the daemon (wincri serve / systemctl start wincri)'); }
  const mode = st.mode & 0o777;
  if (!st.isSocket()) return fail(name, `${path} is not a socket`, 'remove it and restart the daemon');
  if (mode & 0o007) return fail(name, `${path} mode ${mode.toString(8)}: anyone can drive the runtime`, `chmod 660 ${path} (the daemon sets 0660 itself; something changed it)`);
  if (mode !== 0o660) return warn(name, `${path} mode ${mode.toString(8)} (expected 660)`, `chmod 660 ${path}`);
  if (st.uid !== 0) return warn(name, `${path} owned by uid ${st.uid} (expected root)`, 'run the daemon as root');
  return ok(name, `${path} 660 root:${st.gid}`);
}

export function diskCheck(cfg: Config, stat = statfsSync): CheckResult {
  const name = 'disk space';
  let s;
  try { s = stat(cfg.root); } catch { return warn(name, `${cfg.root} does not exist yet`, 'it is created by the first "wincri serve"'); }
  const free = s.bavail * s.bsize, total = s.blocks * s.bsize, pct = total ? (100 * free) / total : 0;
  const detail = `${(free / 1024 ** 3).toFixed(1)} GiB free (${pct.toFixed(0)}%) under ${cfg.root}`;
  if (free < 1024 ** 3 || pct < 5) return fail(name, detail, 'free space: "wincri images prune", remove exited containers, or grow the volume (pulls and container scratch fail when it runs out)');
  if (free < 10 * 1024 ** 3 || pct < 15) return warn(name, detail, 'Windows images are large: keep 10 GiB+ free ("wincri images prune")');
  return ok(name, detail);
}

/** Wall clock vs monotonic clock over two samples, plain sanity of the date, NTP status where the OS tells. */
export async function clockChecks(): Promise<CheckResult[]> {
  const w0 = Date.now(), m0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 200));
  const drift = Math.abs((Date.now() - w0) - Number((process.hrtime.bigint() - m0) / 1_000_000n));
  const out: CheckResult[] = [];
  if (new Date().getUTCFullYear() < 2024) out.push(fail('clock', `wall clock says ${new Date().toISOString()}`, 'set the time (TLS to registries fails with a clock in the past)'));
  else if (drift > 1000) out.push(warn('clock', `wall clock moved ${drift} ms against the monotonic clock in 200 ms`, 'the clock is being stepped: check time synchronisation'));
  else out.push(ok('clock', `${new Date().toISOString()} (wall and monotonic agree)`));
  if (process.platform === 'win32') {
    const r = spawnSync('w32tm', ['/query', '/status'], { encoding: 'utf8', timeout: 10_000 });
    out.push(r.status === 0 ? ok('time sync', 'w32time answers') : warn('time sync', 'w32time is not running', 'Start-Service w32time'));
  } else {
    const r = spawnSync('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { encoding: 'utf8', timeout: 10_000 });
    if (r.error || r.status !== 0) out.push(skip('time sync', 'timedatectl not available'));
    else if (r.stdout.trim() === 'yes') out.push(ok('time sync', 'NTP synchronized'));
    else out.push(warn('time sync', 'NTP not synchronized', 'timedatectl set-ntp true'));
  }
  return out;
}
