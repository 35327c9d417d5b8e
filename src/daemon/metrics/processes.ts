/**
 * CPU seconds and resident memory of the daemon's helper processes (IO keeper, emulator service), read from
 * /proc on scrape. Where /proc does not exist (Windows) or a process is gone, its series are absent.
 */
import { readFile } from 'node:fs/promises';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface HelperProcess { name: string; pid(): Promise<number | undefined> }

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node supports. */
const CLK_TCK = 100;

export async function procUsage(pid: number): Promise<{ cpuSeconds: number; rssBytes: number } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { cpuSeconds, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

export function processMetrics(registry: Registry, helpers: HelperProcess[]): void {
  const registers = [registry];
  let pass: Promise<{ name: string; u: { cpuSeconds: number; rssBytes: number } }[]> | undefined;
  const rows = () => (pass ??= Promise.all(helpers.map(async (h) => {
    const pid = await h.pid().catch(() => undefined);
    const u = pid ? await procUsage(pid) : undefined;
    return u ? [{ name: h.name, u }] : [];
  })).then((a) => a.flat()).finally(() => { pass = undefined; }));
  new Counter({ name: 'wincri_helper_process_cpu_seconds_total', help: 'CPU time of a helper process (io-keeper, emulator)', labelNames: ['process'], registers,
    async collect() { this.reset(); for (const r of await rows()) this.inc({ process: r.name }, r.u.cpuSeconds); } });
  new Gauge({ name: 'wincri_helper_process_resident_memory_bytes', help: 'Resident memory of a helper process (io-keeper, emulator)', labelNames: ['process'], registers,
    async collect() { this.reset(); for (const r of await rows()) this.set({ process: r.name }, r.u.rssBytes); } });
}
