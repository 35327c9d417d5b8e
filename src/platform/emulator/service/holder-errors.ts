/**
 * Why a namespace holder did not start (isolation.ts), from its own report: on failure the holder writes one line
 * `wincri-ns-error CLASS ERRNO STEP` on stderr (ns-helper-holder-source.ts; the shell chain writes it for the
 * steps it can tell apart, with errno 0) before the message a person reads. The class picks the HRESULT and the
 * sentence that leads the error; the person's message follows it unchanged. A holder that died without a report
 * (killed, a util-linux tool failing) is E_FAIL with whatever it wrote.
 */
import { constants } from 'node:os';
import { errnoName } from './errno-name.js';
import { PlatformError, HRESULT } from '../../hresult.js';

export const HOLDER_ERROR_CLASSES = ['cgroup', 'netns', 'join', 'namespace', 'mount', 'root', 'hostname', 'usage', 'setup'] as const;
export type HolderErrorClass = (typeof HOLDER_ERROR_CLASSES)[number];
export interface HolderReport { cls: HolderErrorClass; errno: number; step: string }

const LINE = /^wincri-ns-error (\S+) (\d+) (\S+)$/;

/** The holder's report (the first well-formed one) and the rest of its stderr, the lines a person reads. */
export function parseHolderStderr(stderr: string): { report?: HolderReport; text: string } {
  let report: HolderReport | undefined;
  const text: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = LINE.exec(line);
    if (!m) { if (line.trim()) text.push(line); continue; }
    if (!report && (HOLDER_ERROR_CLASSES as readonly string[]).includes(m[1]!)) report = { cls: m[1] as HolderErrorClass, errno: Number(m[2]), step: m[3]! };
  }
  return { ...(report ? { report } : {}), text: text.join('\n') };
}

/** Out of a resource (memory, processes, descriptors): the node's limits, not the request. */
const EXHAUSTED = new Set([constants.errno.EAGAIN, constants.errno.ENOMEM, constants.errno.EMFILE, constants.errno.ENFILE, constants.errno.ENOSPC]);

const LEAD: Record<HolderErrorClass, string> = {
  cgroup: 'the namespace holder cannot join the system\'s cgroup',
  netns: 'the pod\'s network namespace is gone or cannot be opened',
  join: 'the hosting system\'s namespaces cannot be opened, its holder is gone',
  namespace: 'the system\'s namespaces cannot be made or entered',
  mount: 'the system\'s file system cannot be mounted',
  root: 'the system\'s root cannot be entered',
  hostname: 'the system\'s host name cannot be set',
  usage: 'the namespace helper was called wrongly (a wincri bug)',
  setup: 'the namespace holder cannot be set up',
};

/** The error of a holder that did not start, from its stderr. */
export function holderFailure(op: string, stderr: string): PlatformError {
  const { report, text } = parseHolderStderr(stderr);
  if (!report) return new PlatformError(HRESULT.E_FAIL, op, `cannot isolate the compute system: ${text || 'namespace holder did not start'}`);
  const hr = report.cls === 'cgroup' || EXHAUSTED.has(report.errno) ? HRESULT.ERROR_NOT_ENOUGH_QUOTA : HRESULT.E_FAIL;
  const why = report.errno ? `${report.step}, ${errnoName(report.errno)}` : report.step;
  return new PlatformError(hr, op, `cannot isolate the compute system: ${LEAD[report.cls]} (${why})${text ? `: ${text}` : ''}`);
}
