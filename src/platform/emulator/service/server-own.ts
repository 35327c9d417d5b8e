/**
 * The methods the service answers itself, before the platform calls (server-calls.ts, server-hns.ts): the
 * handshake, the service's properties and settings, the test controls of fault injection, and a stop that ends
 * every system first. Exactly fault-names.ts's SERVICE_METHODS (the table's type holds it to them).
 */
import { isolationFacts } from './isolation.js';
import { spoolStalls } from './spool-health.js';
import { sweepStrayHelpers } from './helper-orphans.js';
import { SERVICE_METHODS, type ServiceMethod } from './fault-names.js';
import type { ComputeEmulator } from './compute.js';
import type { NetworkEmulator } from './network.js';
import type { CredentialGuardEmulator } from './credential-guard.js';
import type { Faults } from './faults.js';
import type { HelloAnswer } from '../protocol.js';

export interface OwnContext {
  stateDir: string;
  osVersion: string;
  architecture: string;
  log: (msg: string) => void;
  faults: Faults;
  compute: ComputeEmulator;
  network: NetworkEmulator;
  credentialGuard: CredentialGuardEmulator;
  /** Asks the service to stop (after the answer to stopService is sent). */
  stop: () => void;
}

type OwnCall = (x: OwnContext, p: Record<string, unknown>) => Promise<unknown> | unknown;

function supportedSchemaVersions(osVersion: string): { Major: number; Minor: number }[] {
  const build = Number(osVersion.split('.')[2] ?? 0);
  const top = build >= 22000 ? 6 : build >= 20348 ? 5 : build >= 19041 ? 3 : build >= 18362 ? 2 : build >= 17763 ? 1 : -1;
  const out = [{ Major: 1, Minor: 0 }];
  for (let m = 0; m <= top; m++) out.push({ Major: 2, Minor: m });
  return out;
}

const OWN: Record<ServiceMethod, OwnCall> = {
  hello: (x) => ({ osVersion: x.osVersion, architecture: x.architecture, pid: process.pid, attachWaits: true, attachGreets: true } satisfies HelloAnswer),
  serviceProperties: (x) => ({
    SupportedSchemaVersions: supportedSchemaVersions(x.osVersion), OsVersion: x.osVersion, Architecture: x.architecture,
    Networking: x.network.networkingFacts(),
    // wincri extension: whether compute systems are isolated (namespaces, limits) and why not (for Status).
    Isolation: isolationFacts(),
    // wincri extension: spool writes of program output that failed and were held (spool-health.ts).
    Spool: { Stalls: spoolStalls() },
  }),
  queryServiceProperties: (x, p) => x.credentialGuard.query(p.query, () => ({ SupportedSchemaVersions: supportedSchemaVersions(x.osVersion) })),
  modifyServiceSettings: async (x, p) => { await x.credentialGuard.modify(p.request); return null; },
  injectFault: (x, p) => {
    x.faults.inject({ op: String(p.op), hresult: Number(p.hresult ?? 0) >>> 0, count: Number(p.count ?? 1), delayMs: p.delayMs === undefined ? undefined : Number(p.delayMs) });
    return null;
  },
  clearFaults: (x, p) => { x.faults.clear(p.op as string | undefined); return null; },
  stopService: async (x) => {
    await x.compute.terminateAll();
    await x.network.teardownAll().catch((e: Error) => x.log(`network teardown: ${e.message}`));
    await sweepStrayHelpers(x.stateDir, [], x.log); // every system is stopped: none owns a helper
    setTimeout(x.stop, 20);
    return null;
  },
};

/** The names of the methods answered here (SERVICE_METHODS; fault-coverage.test.ts reads them). */
export const OWN_METHODS: readonly string[] = Object.keys(OWN);

/** The service's own call of a wire method (undefined: not one of them; own keys only). */
export function ownCall(method: string): OwnCall | undefined {
  return (SERVICE_METHODS as readonly string[]).includes(method) ? OWN[method as ServiceMethod] : undefined;
}
