/**
 * The Go relist probe (./go/relist-probe.go): kubelet's relist made by a grpc-go client, which has no V8 garbage
 * collector of its own in the timed part. Built here at run time from Debian's golang-go and golang-google-grpc-dev
 * (GOPATH mode, /usr/share/gocode; bench/peer/install.sh installs them) into a cache under the temp dir, keyed by
 * the source's hash; run against every target in one process, the targets interleaved as the Node client's are.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GOPATH = '/usr/share/gocode';
export const PROBE_SOURCE = fileURLToPath(new URL('../../../bench/steady/go/relist-probe.go', import.meta.url));

/** Why the probe cannot be built here, or false. */
export function goProbeUnavailable(): string | false {
  try { execFileSync('go', ['version'], { stdio: 'ignore' }); } catch { return 'Go is not installed (apt-get install golang-go, or sh bench/peer/install.sh)'; }
  if (!existsSync(join(GOPATH, 'src/google.golang.org/grpc/clientconn.go'))) return 'grpc-go is not installed (apt-get install golang-google-grpc-dev, or sh bench/peer/install.sh)';
  if (!existsSync(PROBE_SOURCE)) return `the probe's source ${PROBE_SOURCE} is missing`;
  return false;
}

/** Builds the probe (once per source version) and returns the binary's path. */
export function buildGoProbe(): string {
  const hash = createHash('sha256').update(readFileSync(PROBE_SOURCE)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'wincri-relist-probe');
  const bin = join(dir, `relist-probe-${hash}`);
  if (existsSync(bin)) return bin;
  const cache = join(tmpdir(), 'wincri-go-build-cache');
  mkdirSync(cache, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync('go', ['build', '-o', tmp, PROBE_SOURCE], {
    env: { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: cache }, stdio: 'pipe', timeout: 900_000,
  });
  renameSync(tmp, bin);
  return bin;
}

export interface ProbeOptions { pods: number; warmup: number; samples: number; block?: number; switchWarm?: number }
export interface ProbeTarget { name: string; samples: number[]; podsMs: number[]; ctrsMs: number[]; warmup?: { n: number; p50: number; p99: number }; pods: number; containers: number }

type Line = { type: 'warmup'; target: string; n: number; p50: number; p99: number } | { type: 'sample'; target: string; ms: number; podsMs: number; ctrsMs: number }
  | { type: 'done'; target: string; pods: number; containers: number; samples: number };

/** Runs the probe against `endpoints` (name → unix:// endpoint or socket path); rejects with its stderr on failure. */
export function runGoProbe(bin: string, endpoints: [string, string][], o: ProbeOptions): Promise<Map<string, ProbeTarget>> {
  const args = [`-pods=${o.pods}`, `-warmup=${o.warmup}`, `-samples=${o.samples}`, `-block=${o.block ?? 20}`, `-switch=${o.switchWarm ?? 3}`,
    ...endpoints.map(([n, e]) => `${n}=${e}`)];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 256 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (e) { reject(new Error(`Go relist probe failed: ${stderr.trim() || e.message}`)); return; }
      const out = new Map<string, ProbeTarget>(endpoints.map(([n]) => [n, { name: n, samples: [], podsMs: [], ctrsMs: [], pods: -1, containers: -1 }]));
      for (const l of stdout.split('\n').filter(Boolean).map((s) => JSON.parse(s) as Line)) {
        const t = out.get(l.target);
        if (!t) continue;
        if (l.type === 'warmup') t.warmup = { n: l.n, p50: l.p50, p99: l.p99 };
        else if (l.type === 'sample') { t.samples.push(l.ms); t.podsMs.push(l.podsMs); t.ctrsMs.push(l.ctrsMs); }
        else { t.pods = l.pods; t.containers = l.containers; }
      }
      resolve(out);
    });
  });
}
