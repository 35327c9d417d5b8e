/**
 * Every platform operation (an emulator wire method: HCS compute/job/storage calls, HNS calls, service calls) is
 * either failed by a fault-injection test (test/e2e/faults/, or an e2e test arming injectFault on it) or listed
 * below with the reason no fault case applies. A new operation without either fails this test, and so does a
 * listed one that gains a fault case (the list stays true).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_METHODS } from '../../../src/platform/emulator/service/server-calls.js';
import { HNS_METHODS } from '../../../src/platform/emulator/service/server-hns.js';
import { OWN_METHODS, ownCall } from '../../../src/platform/emulator/service/server-own.js';
import { FAULT_OPS, FAULT_POINTS, SERVICE_METHODS } from '../../../src/platform/emulator/service/fault-ops.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SERVICE_DIR = join(ROOT, 'src', 'platform', 'emulator', 'service');

/** Source text without its comments (`//…`, `/*…*\/`); string and template literals are kept as they are. */
export function stripComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') { out += c + (src[i + 1] ?? ''); i++; continue; }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      i = e < 0 ? src.length : e + 1;
    } else out += c;
  }
  return out;
}

/**
 * The literal that opens at `src[at]` (a bracket), up to its matching bracket, and the string literals that are
 * its own elements (depth 1) or the first element of a list it holds (depth 2); strings are skipped for brackets.
 */
function literal(src: string, at: number): { text: string; elements: string[]; firsts: string[] } {
  const elements: string[] = [];
  const firsts: string[] = [];
  let depth = 0;
  let opened = -1; // index just after the last `[` that opened depth 2
  for (let i = at; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const from = i;
      i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      const word = /^'(\w+)'$/.exec(src.slice(from, i + 1))?.[1];
      if (word && depth === 1) elements.push(word);
      if (word && depth === 2 && src.slice(opened, from).trim() === '') firsts.push(word);
      continue;
    }
    if (c === '[' || c === '{' || c === '(') { depth++; if (c === '[' && depth === 2) opened = i + 1; }
    else if ((c === ']' || c === '}' || c === ')') && --depth === 0) return { text: src.slice(at, i + 1), elements, firsts };
  }
  return { text: src.slice(at), elements, firsts };
}

/**
 * The operations a test source arms faults on: the first argument of `injectFault('op', …)` calls, and the
 * operations of tables typed with FaultOp (test/e2e/faults/common.ts): `FaultOp[]` lists and the first element
 * of each tuple of `[FaultOp, …][]` tables, and single `const op: FaultOp = 'op'` declarations. Comments and other quoted words do not count.
 */
export function armedOps(source: string): Set<string> {
  const src = stripComments(source);
  const ops = new Set<string>();
  for (const m of src.matchAll(/injectFault\(\s*'(\w+)'/g)) ops.add(m[1]!);
  for (const m of src.matchAll(/:\s*FaultOp\s*=\s*'(\w+)'/g)) ops.add(m[1]!);
  for (const m of src.matchAll(/:\s*(\[\s*FaultOp\b(?:[^=]|=>)*?\]|FaultOp)\[\]\s*=\s*\[/g)) {
    const table = literal(src, m.index! + m[0].length - 1);
    for (const op of m[1] === 'FaultOp' ? table.elements : table.firsts) ops.add(op);
  }
  return ops;
}

/**
 * The service's own methods (server-own.ts, answered before it hands a method to the platform calls), and the fault
 * checks the service's connection code makes by name outside them (server*.ts: the stdio attachment, 'attach').
 */
function serviceMethods(): { cases: string[]; checks: string[] } {
  const cases = [...OWN_METHODS];
  const checks = readdirSync(SERVICE_DIR).filter((f) => /^server.*\.ts$/.test(f))
    .flatMap((f) => [...stripComments(readFileSync(join(SERVICE_DIR, f), 'utf8')).matchAll(/faults\.check\('(\w+)'\)/g)].map((m) => m[1]!));
  assert.ok(cases.includes('hello') && checks.includes('attach'), 'the service methods and the attachment\'s fault check are found');
  return { cases, checks };
}

/** Operations no fault case covers, and why none applies. */
const NO_FAULT_CASE: Record<string, string> = {
  // Handle bookkeeping: HcsCloseComputeSystem / HcsCloseProcess return nothing (no failure to report).
  closeSystem: 'releases a handle; the call has no failure', closeProcess: 'releases a handle; the call has no failure',
  // Not called by the runtime, the IO keeper or the CNI plugin (CRI has no pause; resources change by modifySystem;
  // exit statuses come from waitProcess and the keeper's records, never from a process's properties).
  pauseSystem: 'not called', resumeSystem: 'not called', queryNetwork: 'not called (the plugin finds networks by name)',
  processProperties: 'not called (exit statuses come from waitProcess)',
  deleteNetwork: 'not called by an RPC (node agent / operator)', modifyNetwork: 'not called by an RPC (the node agent)',
  // Waits for an exit and the emulator's durability acknowledgements: no operation of their own.
  waitSystem: 'waits for the exit (a lost wait is re-opened: recovery tests)', waitProcess: 'waits for the exit (a lost wait is re-opened: recovery tests)',
  processRecorded: 'emulator record acknowledgement (create-records tests)', layerRecorded: 'emulator record acknowledgement (create-records tests)',
  endStdin: 'emulator stdin end marker', describeJob: 'emulator test introspection', settleRemovals: 'emulator leak audit (doctor)',
  // The emulator's test controls (server-own.ts): no platform operation.
  injectFault: 'emulator test control', clearFaults: 'emulator test control', stopService: 'emulator test control',
  // Read by the daemon's start-up, Status and doctor: a failure fails those, no RPC of a pod.
  hello: 'connection handshake', serviceProperties: 'start-up / Status', enumerateNamespaces: 'start-up reconciliation / doctor',
  enumerateJobs: 'start-up reconciliation / doctor',
};

/** Known gaps: operations an RPC uses that no fault test fails yet (each one is a to-do, not a reason). None now. */
const GAPS: Record<string, string> = {};

/** The operations the e2e tests arm (armedOps), in test/e2e and every directory under it. */
function injected(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const op of armedOps(readFileSync(p, 'utf8'))) names.add(op);
    }
  };
  walk(join(ROOT, 'test', 'e2e'));
  return names;
}

test('every platform operation has a fault case or a reason it has none', () => {
  const { cases, checks } = serviceMethods();
  const ops = [...new Set([...PLATFORM_METHODS, ...HNS_METHODS, ...cases, ...checks])].sort();
  const covered = injected();
  const unaccounted = ops.filter((op) => !covered.has(op) && !(op in NO_FAULT_CASE) && !(op in GAPS));
  assert.deepEqual(unaccounted, [], 'operations no fault test fails and no reason excuses');
  const stale = Object.keys({ ...NO_FAULT_CASE, ...GAPS }).filter((op) => covered.has(op) || !ops.includes(op));
  assert.deepEqual(stale, [], 'listed as uncovered but covered (or no longer an operation)');
});

test('only armed operations count: injectFault\'s first argument and FaultOp tables, never a comment or another quoted word', () => {
  const src = [
    "// see 'createJob'; injectFault('openJob', 1)",
    "/* injectFault('grantVmAccess', 1) and ['queryEndpoint', 'X'] */",
    "const url = 'http://host/x'; await p.injectFault('startSystem', HRESULT.E_FAIL, 1); // 'modifyProcess'",
    "const T: [FaultOp, Rpc][] = [['createNetwork', 'RunPodSandbox'], // ['shutdownSystem', 'X']",
    "  ['deleteEndpoint', 'StopPodSandbox', () => call(x, 'ExecSync', { cmd: ['sh', 'processProperties'] })]];",
    "const U: FaultOp[] = ['importLayer', 'layerUsage']; const op: FaultOp = 'openSystem';",
    "const V: [FaultOp, string, () => Promise<unknown>][] = [['modifySystem', 'X', () => f()]];",
    "const other: [string, Rpc][] = [['closeSystem', 'X']]; assert.equal(op, 'openSystem');",
  ].join('\n');
  assert.deepEqual([...armedOps(src)].sort(), ['createNetwork', 'deleteEndpoint', 'importLayer', 'layerUsage', 'modifySystem', 'openSystem', 'startSystem']);
});

test('FaultOp (fault-ops.ts) is the dispatch\'s operations: its own cases, the platform and HNS calls, the fault points', () => {
  const { cases, checks } = serviceMethods();
  // The routing, at run time: every one of SERVICE_METHODS is answered by the service itself, nothing else is (not
  // a platform call, nor a name an object has by inheritance).
  for (const m of SERVICE_METHODS) assert.equal(typeof ownCall(m), 'function', `ownCall('${m}') answers it`);
  for (const m of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'createSystem', 'createNetwork']) assert.equal(ownCall(m), undefined, `ownCall('${m}') is not an own method`);
  const points = new Set<string>(checks);
  for (const f of readdirSync(SERVICE_DIR).filter((x) => x.endsWith('.ts'))) {
    for (const m of stripComments(readFileSync(join(SERVICE_DIR, f), 'utf8')).matchAll(/checkpoint\('([^']+)'\)/g)) points.add(m[1]!);
  }
  assert.deepEqual([...points].sort(), [...FAULT_POINTS].sort(), 'the fault points checked outside the dispatch = FAULT_POINTS');
  assert.deepEqual([...FAULT_OPS].sort(), [...new Set([...cases, ...PLATFORM_METHODS, ...HNS_METHODS, ...points])].sort());
});

test('every operation an e2e test arms is one fault injection knows (no misspelt injectFault first argument)', () => {
  const known = new Set<string>(FAULT_OPS);
  assert.deepEqual([...injected()].filter((op) => !known.has(op)).sort(), []);
});
