/** The first line of the namespace helper's pid pipe (ns-helper-source.ts, `enter -p FD`). */
import type { Readable } from 'node:stream';

/** Resolves with the pid written on the pipe; undefined when the pipe ends first (the helper failed early). */
export function readPidLine(pipe: Readable | null | undefined): Promise<number | undefined> {
  if (!pipe) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    const done = (pid: number | undefined) => {
      pipe.removeAllListeners('data');
      pipe.destroy();
      resolve(pid);
    };
    pipe.on('error', () => done(undefined));
    pipe.once('close', () => done(undefined));
    pipe.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /^(\d+)\n/.exec(text);
      if (m) done(Number(m[1]));
      else if (text.includes('\n') || text.length > 32) done(undefined);
    });
  });
}
