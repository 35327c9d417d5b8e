/**
 * README sections generated from the code: the configuration reference (src/config/schema.ts + defaults()) and
 * the troubleshooting table (src/platform/hresult.ts names and codes, src/cri/errors.ts status mapping, plus
 * what to do). `npm run docs` rewrites them between their markers; test/unit/cli/docs.test.ts fails on drift.
 */
import { CONFIG_SCHEMA } from '../../config/schema.js';
import { defaults } from '../../config/config.js';
import { HRESULT, hex, type HResultName } from '../../platform/hresult.js';
import { HRESULT_STATUS } from '../../cri/errors.js';
import { status as Status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Summary } from 'prom-client';
import { createDaemonMetrics } from '../../daemon/metrics/index.js';

function valueAt(obj: unknown, path: string): unknown {
  if (path.includes('<')) return undefined;
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const show = (v: unknown): string => (v === undefined ? '—' : v === '' ? '`""`' : `\`${JSON.stringify(v)}\``);

export function configReference(): string {
  const lin = defaults('linux'), win = defaults('win32');
  const rows = CONFIG_SCHEMA.map((k) => {
    const l = valueAt(lin, k.path), w = valueAt(win, k.path);
    const def = k.type === 'map' && JSON.stringify(l) === '{}' ? '`{}`' : JSON.stringify(l) === JSON.stringify(w) ? show(l) : `${show(l)} (Windows: ${show(w)})`;
    const type = k.values ? k.values.join(' \\| ') : k.type;
    return `| \`${k.path}\` | ${type} | ${def.replace(/\|/g, '\\|')} | ${k.doc}${k.secret ? ' (masked by `wincri info`)' : ''} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** What to do about the HRESULTs operators meet most. Names are checked by the compiler against the table. */
export const HRESULT_ADVICE: Partial<Record<HResultName, string>> = {
  HCS_E_SERVICE_NOT_AVAILABLE: 'HCS (vmcompute) is not running or the Containers feature is missing: `Install-WindowsFeature Containers`, reboot, `Start-Service vmcompute`; on Linux the emulator service is down (restart `wincri serve`)',
  HCS_E_SERVICE_DISCONNECT: 'vmcompute restarted under the daemon: the daemon reconnects; if it persists, check the System event log for vmcompute crashes',
  HCS_E_IMAGE_MISMATCH: 'the image\'s Windows build differs from the host (process isolation needs the same build): use an image tag for this host\'s build (`wincri info` shows it) or Hyper-V isolation',
  HCS_E_HYPERV_NOT_INSTALLED: 'a Hyper-V isolated pod on a host without Hyper-V: `Install-WindowsFeature Hyper-V` or use the process RuntimeClass',
  HCS_E_INVALID_LAYER: 'a layer on disk is damaged or incomplete: `wincri images rm` the image and pull it again',
  HCS_E_SYSTEM_NOT_FOUND: 'the compute system is gone (stopped outside wincri, or host reboot): the container is reported exited; remove and recreate it',
  HCS_E_SYSTEM_ALREADY_EXISTS: 'a compute system with this ID exists: an orphan of an earlier run; `wincri doctor --leaks --fix`',
  HCS_E_TERMINATED_DURING_START: 'the container exited while starting: check its command and the container log (`crictl logs`)',
  HCS_E_OPERATION_TIMEOUT: 'HCS did not answer in time: the host is overloaded or vmcompute is stuck; check CPU/disk, restart vmcompute if it persists',
  HCS_E_ACCESS_DENIED: 'the daemon is not running as SYSTEM or an administrator: run it as the wincri service',
  E_ACCESSDENIED: 'the daemon is not running as SYSTEM or an administrator: run it as the wincri service',
  HCS_E_INVALID_JSON: 'HCS rejected a document: a wincri bug or an unsupported field for this build; the error document names the field (daemon log)',
  HCN_E_NETWORK_NOT_FOUND: 'the CNI configuration names an HNS network that does not exist: create it (l2bridge/overlay node setup, EKS bootstrap) or fix the network name',
  HCN_E_ENDPOINT_NOT_FOUND: 'the pod\'s endpoint is gone (HNS restarted or the network was recreated): delete the pod so kubelet recreates it',
  HCN_E_MANAGER_STOPPED: 'HNS is not running: `Start-Service hns`',
  HCN_E_PORT_ALREADY_EXISTS: 'a hostPort is already mapped by another pod on this node: change the hostPort or remove the other pod',
  HCN_E_ENDPOINT_ALREADY_ATTACHED: 'the endpoint is attached to another namespace: a leftover of an earlier pod; `wincri doctor --leaks --fix`',
  HCN_E_INVALID_SUBNET: 'the CNI configuration\'s subnet or pod CIDR is invalid or overlaps another network: fix the CNI configuration',
  ERROR_FILE_NOT_FOUND: 'a path in the request or the image does not exist (command, working directory, mount source)',
};

const grpcName = (s: Status | undefined) => (s === undefined ? 'INTERNAL' : Status[s]);

export function troubleshootingTable(): string {
  const rows = (Object.keys(HRESULT_ADVICE) as HResultName[]).map((n) =>
    `| \`${n}\` | \`${hex(HRESULT[n])}\` | ${grpcName(HRESULT_STATUS[n])} | ${HRESULT_ADVICE[n]} |`);
  return ['| HRESULT | code | gRPC status | what to do |', '|---|---|---|---|', ...rows].join('\n');
}

/** Every metric family the daemon exports, from the registry the daemon builds (src/daemon/metrics). */
export function metricsReference(): string {
  const typeOf = (m: unknown) => (m instanceof Counter ? 'counter' : m instanceof Gauge ? 'gauge' : m instanceof Histogram ? 'histogram' : m instanceof Summary ? 'summary' : 'untyped');
  const rows = createDaemonMetrics().registry.getMetricsAsArray().map((m) => {
    const { name, help, labelNames } = m as unknown as { name: string; help: string; labelNames: string[] };
    return { name, line: `| \`${name}\` | ${typeOf(m)} | ${labelNames.length ? labelNames.map((l) => `\`${l}\``).join(', ') : '—'} | ${help.replace(/\|/g, '\\|')} |` };
  }).sort((a, b) => a.name.localeCompare(b.name));
  return ['| name | type | labels | meaning |', '|---|---|---|---|', ...rows.map((r) => r.line)].join('\n');
}

export const SECTIONS = { config: configReference, troubleshooting: troubleshootingTable, metrics: metricsReference } as const;

/** Replaces every `<!-- generated:NAME -->…<!-- end generated:NAME -->` block with the generated text. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, gen] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name} [^>]*-->\\n)[\\s\\S]*?(<!-- end generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README has no generated:${name} block`);
    out = out.replace(re, (_, a: string, b: string) => `${a}${gen()}\n${b}`);
  }
  return out;
}
