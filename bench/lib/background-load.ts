/**
 * `--background-load N`: N busy processes (load-worker.ts; nice 0, a fixed CPU + syscall mix, never sleeping) that
 * keep every core contended while a phase runs, the same for every target, so a "loaded host" figure can be
 * reproduced instead of waiting for other work to load the machine. Started before the phase, stopped after it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BackgroundLoad { readonly pids: number[]; stop(): Promise<void> }

export function startBackgroundLoad(n: number): BackgroundLoad {
  const worker = new URL('./load-worker.js', import.meta.url).pathname;
  const procs: ChildProcess[] = [];
  for (let i = 0; i < n; i++) procs.push(spawn(process.execPath, [worker], { stdio: 'ignore' }));
  return {
    pids: procs.map((p) => p.pid!).filter((p) => p !== undefined),
    async stop() {
      await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      })));
    },
  };
}
