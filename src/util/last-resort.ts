/**
 * The last-resort policy of every long-lived wincri process (daemon, IO keeper, emulator service) and of the CNI
 * plugin: a promise rejection nobody handled, or an exception nobody caught, is logged with its stack and counted,
 * and the process keeps serving. Node's default (exit on an unhandled rejection) would take down every container's
 * stdio (keeper), every compute system's supervisor (emulator) or the node's CRI endpoint (daemon) for one stray
 * bug. These are bugs all the same: the code keeps "no promise without a handler"; this only limits the damage.
 */
export type LastResortKind = 'unhandledRejection' | 'uncaughtException';

const counts: Record<LastResortKind, number> = { unhandledRejection: 0, uncaughtException: 0 };

/**
 * Events survived so far, by kind. The daemon exports them as the prom-client counter
 * `wincri_unhandled_rejections_total{kind}` (src/daemon/wire.ts); no metrics library is loaded here, so the
 * CNI plugin (one process per call) pays nothing for the policy.
 */
export function lastResortCounts(): Readonly<Record<LastResortKind, number>> { return { ...counts }; }

let installed: ((kind: LastResortKind, e: unknown) => void) | undefined;

function describe(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  try { return `non-Error value: ${JSON.stringify(e)}`; } catch { return `non-Error value: ${String(e)}`; }
}

/**
 * Installs the policy once per process. `write` receives one multi-line text per event (default: stderr with a
 * timestamp in the util/log format).
 */
export function installLastResort(component: string, write?: (text: string) => void): void {
  if (installed) return;
  const out = write ?? ((text: string) => { process.stderr.write(`${new Date().toISOString()} ERROR ${component}: ${text}\n`); });
  installed = (kind, e) => {
    counts[kind]++;
    try {
      out(`${kind === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception'} (a bug; kept running): ${describe(e)}`);
    } catch { /* logging must not throw from here */ }
  };
  const h = installed;
  process.on('unhandledRejection', (reason) => h('unhandledRejection', reason));
  process.on('uncaughtException', (err) => h('uncaughtException', err));
}
