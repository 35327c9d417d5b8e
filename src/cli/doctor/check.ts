/** One doctor check's outcome: ok / warn / fail (skip = nothing to check here), what was seen, what to do. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult { name: string; status: CheckStatus; detail: string; fix?: string }

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/** doctor's exit code: 0 all ok, 1 any failure, 3 warnings only. */
export function doctorExitCode(results: CheckResult[]): number {
  if (results.some((r) => r.status === 'fail')) return 1;
  if (results.some((r) => r.status === 'warn')) return 3;
  return 0;
}

export function formatResults(results: CheckResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => {
    const head = `${r.status.toUpperCase().padEnd(4)}  ${r.name.padEnd(w)}  ${r.detail}`;
    return r.fix ? `${head}\n${' '.repeat(w + 8)}→ ${r.fix}` : head;
  }).join('\n') + '\n';
}
