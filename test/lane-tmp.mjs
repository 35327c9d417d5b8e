// Temp dirs of the test runner's files (test/lanes.mjs): one directory of the runner's own under the system temp dir
// (mkdtemp), and in it one per file, given to the file as TMPDIR and removed after it, also when it was killed. Mode
// 1777 like /tmp: a test may run a process as nobody that makes its own temp dir there. Never removed across a mount
// point: a file run in the host's mount namespace may have left a mount in it; that directory is kept and said.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';

/** Mount points at or below `dir` in this process's mount namespace. */
export function mountsUnder(dir) {
  let text = '';
  try { text = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  return text.split('\n').map((l) => l.split(' ')[4]).filter(Boolean)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(dir + sep));
}

/**
 * `make(key)`: a new directory <root>/<key> for one file. `remove(dir)`: removes such a directory; resolves
 * undefined, or why it was kept. `close()`: removes the runner's directory (what is left in it: kept ones).
 * The root's name is short (`<tmp>/wtXXXXXX`): unix socket paths under it must stay within 107 bytes.
 */
export function tempDirs(base = tmpdir()) {
  // Its real path: mountinfo names mount points by theirs, and a symlink in `base` would hide a mount under it.
  const root = realpathSync(mkdtempSync(join(base, 'wt')));
  chmodSync(root, 0o755);
  const remove = (dir) => {
    if (!dir.startsWith(root + sep) && dir !== root) return `not the runner's: ${dir}`;
    const mounts = mountsUnder(dir);
    if (mounts.length > 0) return `kept ${dir}: mounts under it (${mounts.join(' ')})`;
    try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch (e) { return `kept ${dir}: ${e.message}`; }
    return undefined;
  };
  return {
    root,
    make(key) {
      const dir = join(root, key);
      mkdirSync(dir);
      chmodSync(dir, 0o1777);
      return dir;
    },
    remove,
    close: () => remove(root),
  };
}
