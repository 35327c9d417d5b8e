/** The side-by-side table: every figure for the peer and for wincri, and their ratio in wincri's favour. */
export type Figures = Record<string, number>;

interface Row { key: string; label: string; unit: string; better: 'higher' | 'lower' | 'none'; digits?: number }

export const ROWS: Row[] = [
  { key: 'lifecycle.seq', label: 'pod lifecycle, sequential (Run→Create→Start→Stop→Remove)', unit: 'pods/s', better: 'higher' },
  { key: 'lifecycle.par', label: 'pod lifecycle, 5 in parallel', unit: 'pods/s', better: 'higher' },
  { key: 'podStart.p50', label: 'pod start p50 (RunPodSandbox → RUNNING)', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'podStart.p99', label: 'pod start p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'run.p50', label: 'RunPodSandbox p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'create.p50', label: 'CreateContainer p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'start.p50', label: 'StartContainer p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'stop.p50', label: 'StopPodSandbox p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'remove.p50', label: 'RemovePodSandbox p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'version.p50', label: 'Version RPC p50', unit: 'ms', better: 'lower', digits: 3 },
  { key: 'relist.p50', label: 'PLEG relist at N pods, Node grpc-js client, p50', unit: 'ms', better: 'lower' },
  { key: 'relist.p99', label: 'PLEG relist at N pods, Node grpc-js client, p99', unit: 'ms', better: 'lower' },
  { key: 'relistGo.p50', label: 'PLEG relist at N pods, Go client as current kubelets (:authority localhost), p50', unit: 'ms', better: 'lower' },
  { key: 'relistGo.p99', label: 'PLEG relist at N pods, Go client as current kubelets (:authority localhost), p99', unit: 'ms', better: 'lower' },
  { key: 'relistGoPath.p50', label: 'PLEG relist at N pods, Go client as older kubelets (socket path as :authority), p50', unit: 'ms', better: 'lower' },
  { key: 'relistGoPath.p99', label: 'PLEG relist at N pods, Go client as older kubelets (socket path as :authority), p99', unit: 'ms', better: 'lower' },
  { key: 'mem0.pss', label: 'PSS of all runtime processes, 0 pods', unit: 'MiB', better: 'lower', digits: 1 },
  { key: 'memN.pss', label: 'PSS of all runtime processes, N pods', unit: 'MiB', better: 'lower', digits: 1 },
  { key: 'memN.rss', label: 'RSS of all runtime processes, N pods', unit: 'MiB', better: 'lower', digits: 1 },
  { key: 'memN.procs', label: 'runtime processes at N pods', unit: '', better: 'lower', digits: 0 },
  { key: 'cpu0', label: 'idle CPU, 0 pods, 2 s after the previous phase\'s requests', unit: '% core', better: 'none', digits: 2 },
  { key: 'cpu0.rest', label: 'idle CPU, 0 pods, at rest, 10 s after the last request', unit: '% core', better: 'none', digits: 2 },
  { key: 'cpuN', label: 'idle CPU, N pods, right after the relist burst (2 s after it)', unit: '% core', better: 'none', digits: 2 },
  { key: 'cpuN.rest', label: 'idle CPU, N pods, at rest, 10 s after the last request', unit: '% core', better: 'none', digits: 2 },
  { key: 'logs.mbps', label: 'container log throughput, 100-byte lines', unit: 'MB/s', better: 'higher', digits: 1 },
  { key: 'exec.spdy.p50', label: 'exec round trip (echo) over SPDY, p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'exec.spdy.p99', label: 'exec round trip (echo) over SPDY, p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'exec.ws.p50', label: 'exec round trip (echo) over WebSocket, p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'exec.ws.p99', label: 'exec round trip (echo) over WebSocket, p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'exec.mbps', label: 'exec stdout throughput, one SPDY stream', unit: 'MB/s', better: 'higher', digits: 1 },
  { key: 'exec.rss0', label: 'daemon RSS before the exec stream', unit: 'MiB', better: 'none', digits: 1 },
  { key: 'exec.rssPeak', label: 'daemon RSS peak during the exec stream', unit: 'MiB', better: 'lower', digits: 1 },
  { key: 'pull.mbps', label: 'pull, 5 layers, compressed', unit: 'MB/s', better: 'higher', digits: 1 },
  { key: 'pull.cpu', label: 'CPU of the runtime processes for that pull', unit: 's', better: 'lower' },
  { key: 'pull10.ratio', label: '10 concurrent pulls / one pull', unit: '×', better: 'lower' },
  { key: 'pull10.cpu', label: 'CPU of the runtime processes, 10 concurrent pulls / one pull', unit: '×', better: 'lower' },
];

export function table(cols: { name: string; f: Figures }[], pods: number, floor?: { defaults: number; noChannelz: number }): string {
  const fmt = (v: number | undefined, d = 2) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
  const out = [`| figure | ${cols.map((c) => c.name).join(' | ')} |${cols.length === 2 ? ' ratio |' : ''}`, `|---|${cols.map(() => '---|').join('')}${cols.length === 2 ? '---|' : ''}`];
  for (const r of ROWS) {
    const vals = cols.map((c) => c.f[r.key]);
    if (vals.every((v) => v === undefined)) continue;
    let ratio = '';
    if (cols.length === 2 && r.better !== 'none' && vals[0] !== undefined && vals[1] !== undefined) {
      const x = r.better === 'higher' ? vals[1]! / vals[0]! : vals[0]! / vals[1]!;
      ratio = ` ${x.toFixed(2)}× ${x >= 1 ? 'better' : 'worse'} |`;
    } else if (cols.length === 2) ratio = ' |';
    out.push(`| ${r.label.replace('N pods', `${pods} pods`)}${r.unit ? ` (${r.unit})` : ''} | ${vals.map((v) => fmt(v, r.digits)).join(' | ')} |${ratio}`);
  }
  if (floor !== undefined) {
    const row = (what: string, v: number) => out.push(`| Version RPC p50 of a do-nothing grpc-js server (floor${what}) (ms) | ${cols.map(() => v.toFixed(3)).join(' | ')} |${cols.length === 2 ? ' |' : ''}`);
    row('', floor.defaults);
    row(', channelz off as wincri runs', floor.noChannelz);
    const over = (v: number | undefined) => (v === undefined ? '—' : `${(v / floor.defaults).toFixed(2)} / ${(v / floor.noChannelz).toFixed(2)}`);
    out.push(`| Version RPC p50 / floor (defaults / channelz off) | ${cols.map((c) => over(c.f['version.p50'])).join(' | ')} |${cols.length === 2 ? ' |' : ''}`);
  }
  return out.join('\n');
}
