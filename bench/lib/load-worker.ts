/**
 * One process of `--background-load N` (background-load.ts): a fixed CPU + syscall mix forever, never sleeping —
 * per round 64 KiB hashed with SHA-256 (~0.2 ms of CPU), then a stat, a getpid-class call (process.ppid) and a
 * 4 KiB write to /dev/null. Exits when its parent goes (its ppid changes), so a killed bench leaves none behind.
 */
import { createHash } from 'node:crypto';
import { openSync, writeSync, statSync } from 'node:fs';

const parent = process.ppid;
const buf = Buffer.alloc(64 * 1024, 7);
const page = Buffer.alloc(4096);
const fd = openSync('/dev/null', 'w');
for (let round = 0; ; round++) {
  createHash('sha256').update(buf).digest();
  statSync('/');
  writeSync(fd, page);
  if (round % 256 === 0 && process.ppid !== parent) process.exit(0);
}
