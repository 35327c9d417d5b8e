/**
 * A log file that rotates by size and count: when a write would take `path` past `maxBytes`, path.(n-1) becomes
 * path.n (the oldest beyond `maxFiles` is deleted), path becomes path.1 and a new path is started. Writes are
 * synchronous, like writes to stderr, so no line is lost when the process exits. Platform-neutral (Windows
 * services have no stderr worth keeping).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, fstatSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class RotatingFile {
  private fd: number;
  private size: number;

  /** `maxFiles` counts the rotated files kept besides the current one (0: only the current one). */
  constructor(readonly path: string, private readonly maxBytes: number, private readonly maxFiles: number) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(text: string): void {
    const buf = Buffer.from(text);
    if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
    writeSync(this.fd, buf);
    this.size += buf.length;
  }

  close(): void { closeSync(this.fd); }

  private rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.${this.maxFiles}`, { force: true });
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      try { renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`); } catch { /* absent */ }
    }
    if (this.maxFiles > 0) renameSync(this.path, `${this.path}.1`); else rmSync(this.path, { force: true });
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }
}
