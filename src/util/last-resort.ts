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
let write: ((text: string) => void) | undefined;
const beforeFatalExit: (() => void)[] = [];

function describe(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  try { return `non-Error value: ${JSON.stringify(e)}`; } catch { return `non-Error value: ${String(e)}`; }
}

/** One event's text to stderr, with a timestamp in the util/log format. */
function stderrWriter(component?: string): (text: string) => void {
  return (text) => { process.stderr.write(`${new Date().toISOString()} ERROR${component ? ` ${component}` : ''}: ${text}\n`); };
}

/**
 * Installs the policy once per process. `writer` receives one multi-line text per event (default: stderr with a
 * timestamp in the util/log format).
 */
export function installLastResort(component: string, writer?: (text: string) => void): void {
  if (installed) return;
  const out = (write = writer ?? stderrWriter(component));
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

/** Cleanup for exitFatally (e.g. the emulator's pid file); runs synchronously, in registration order. */
export function onFatalExit(f: () => void): void { beforeFatalExit.push(f); }

/**
 * The other end of the policy: a state the process cannot serve on from (the emulator's main thread left in a pod's
 * network namespace: everything it opens or starts afterwards would land there). `why` is written as the events
 * above are (stderr before installLastResort), the onFatalExit hooks run, and the process ends at once with status
 * 70 (EX_SOFTWARE) for whoever supervises it to start a clean one (the emulator client starts the service again on
 * its next call; running compute systems are re-adopted).
 */
export function exitFatally(why: string): never {
  try { (write ?? stderrWriter())(`fatal, exiting: ${why}`); } catch { /* exit anyway */ }
  for (const f of beforeFatalExit) { try { f(); } catch { /* exit anyway */ } }
  process.exit(70);
}
