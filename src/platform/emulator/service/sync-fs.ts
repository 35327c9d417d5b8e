/**
 * Makes a freshly imported layer durable: syncfs(2) of the file system holding it (coreutils `sync -f`), one call
 * for every file, directory and link the import wrote — where an fsync per file would cost a journal commit each.
 * The layer's files reach the disk before HcsImportLayer returns, so the image store never records a layer whose
 * content a power cut could still take away.
 */
import { execFile } from 'node:child_process';

export function syncFileSystem(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', path], { timeout: 10 * 60_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`sync -f ${path} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
