/**
 * The Go relist probe (./go/relist-probe.go): kubelet's relist made by a grpc-go client, which has no V8 garbage
 * collector of its own in the timed part. Built here at run time from Debian's golang-go and golang-google-grpc-dev
 * (GOPATH mode, /usr/share/gocode; bench/peer/install.sh installs them) into a private cache (cacheDir), keyed by
 * the source, `go version` and grpc-go's version, before the steady phase starts; run against every target in one process, the targets interleaved as the Node client's are.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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

/**
 * The cache of built probes: $XDG_CACHE_HOME/wincri/relist-probe, else dist/.cache/relist-probe of this tree; a
 * directory of this user's alone (mode 0700), since the binary in it is run: one owned by another user, or that
 * others can write to, is refused.
 */
function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'wincri') : fileURLToPath(new URL('../../.cache', import.meta.url));
  const dir = join(base, 'relist-probe');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`the probe cache ${dir} belongs to another user`);
  if (st.mode & 0o077) chmodSync(dir, 0o700);
  return dir;
}

/**
 * The environment of a `go build` against Debian's grpc-go (GOPATH mode) with the probe's private build cache:
 * the tests' other Go program (test/e2e/authority.test.ts) builds with it too, so grpc-go is compiled once.
 */
export function goBuildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(cacheDir(), 'go-build') };
}

/** What the binary depends on: the source, the Go toolchain and the grpc-go package (its version.go). */
function cacheKey(): string {
  const h = createHash('sha256').update(readFileSync(PROBE_SOURCE));
  h.update('\0').update(execFileSync('go', ['version'], { encoding: 'utf8' }));
  const grpcVersion = join(GOPATH, 'src/google.golang.org/grpc/version.go');
  h.update('\0').update(existsSync(grpcVersion) ? readFileSync(grpcVersion) : 'unknown grpc-go');
  return h.digest('hex').slice(0, 16);
}

/** The last lines of a failed build's output, for the skip note. */
function buildError(e: unknown): Error {
  const stderr = (e as { stderr?: Buffer | string }).stderr?.toString().trim() ?? '';
  const tail = stderr.split('\n').slice(-5).join(' | ');
  return new Error(`go build failed: ${tail || (e as Error).message}`);
}

/** Builds the probe (once per source, Go and grpc-go version) and returns the binary's path. */
export function buildGoProbe(): string {
  const dir = cacheDir();
  const bin = join(dir, `relist-probe-${cacheKey()}`);
  if (existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}.tmp`;
  try {
    execFileSync('go', ['build', '-o', tmp, PROBE_SOURCE], { env: goBuildEnv(), stdio: 'pipe', timeout: 900_000 });
    renameSync(tmp, bin);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw buildError(e);
  }
  return bin;
}

/** `localhost`: the targets dialed with :authority "localhost" (as kubelet's CRI client now sets it); the others send the socket path (grpc-go's default, older kubelets). */
export interface ProbeOptions { pods: number; warmup: number; samples: number; block?: number; switchWarm?: number; localhost?: string[] }
export interface ProbeTarget { name: string; samples: number[]; podsMs: number[]; ctrsMs: number[]; warmup?: { n: number; p50: number; p99: number }; pods: number; containers: number }

type Line = { type: 'warmup'; target: string; n: number; p50: number; p99: number } | { type: 'sample'; target: string; ms: number; podsMs: number; ctrsMs: number }
  | { type: 'done'; target: string; pods: number; containers: number; samples: number };

/** Runs the probe against `endpoints` (name → unix:// endpoint or socket path); rejects with its stderr on failure. */
export function runGoProbe(bin: string, endpoints: [string, string][], o: ProbeOptions): Promise<Map<string, ProbeTarget>> {
  const args = [`-pods=${o.pods}`, `-warmup=${o.warmup}`, `-samples=${o.samples}`, `-block=${o.block ?? 20}`, `-switch=${o.switchWarm ?? 3}`,
    ...(o.localhost?.length ? [`-localhost=${o.localhost.join(',')}`] : []),
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
