/** This process's resident KiB in glibc's main arena (the `[heap]` mapping of /proc/self/smaps). */
import { readFileSync } from 'node:fs';

export function heapRssKiB(): number {
  let kib = 0;
  let inHeap = false;
  for (const l of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) inHeap = l.endsWith('[heap]');
    else if (inHeap && l.startsWith('Rss:')) kib += Number(/\d+/.exec(l)![0]);
  }
  return kib;
}

/** Whether this process runs on glibc (malloc_trim and the `[heap]` arena). */
export const onGlibc = process.platform === 'linux'
  && !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
