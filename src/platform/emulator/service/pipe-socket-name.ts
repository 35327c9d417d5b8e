/**
 * The file name of the unix socket standing for host pipe `<name>` (platform/host-path.ts pipeNameOf) in the
 * emulator's pipes directory. One pipe, one socket; two pipes, two sockets:
 * - pipe names are case-insensitive on Windows, so ASCII letters are folded to lower case (other letters are kept
 *   apart: folding them as Windows does would need its upcase table, and a wrong fold would join two pipes);
 * - `a-z`, `0-9`, `.`, `_` and `-` stay as they are; every other UTF-16 unit is `%XX` (below 0x100) or `%uXXXX`,
 *   `%`, `/` and `\` included — so `a\b`, `a/b` (after exactly `\\?\`, a name may hold a `/`) and `a_b` differ;
 * - a name of only dots has them escaped (`%2E`): `.` and `..` would name the directory or its parent;
 * - a file that would make `<dir>/<file>` longer than a unix socket address holds (sun_path: 108 bytes with its
 *   NUL) keeps its start and ends in `%~` and 24 hex digits of the SHA-256 of its whole escaped form.
 * No escaped name holds `%~`, and a `%` is always followed by two hex digits or a `u`, so a name is read back
 * from its file alone (hashed ones aside), and no two names share a file (hashed ones: but for a hash collision).
 */
import { createHash } from 'node:crypto';

/** sun_path is 108 bytes on Linux, its NUL included. */
const SUN_PATH_MAX = 107;
const HASH_HEX = 24;
/** A directory so long that less than this is left still gets a file this long (its socket cannot be bound anyway). */
const MIN_FILE = 2 + HASH_HEX + 8;

export function pipeSocketFile(name: string, dir: string): string {
  let file = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const c = name.charCodeAt(i);
    if (/[a-z0-9._-]/.test(ch)) file += ch;
    else if (c >= 0x41 && c <= 0x5a) file += ch.toLowerCase();
    else file += c < 0x100 ? `%${hex(c, 2)}` : `%u${hex(c, 4)}`;
  }
  if (/^\.+$/.test(file)) file = file.replace(/\./g, '%2E');
  const room = Math.max(MIN_FILE, SUN_PATH_MAX - Buffer.byteLength(dir) - 1);
  if (file.length <= room) return file;
  const digest = createHash('sha256').update(file).digest('hex').slice(0, HASH_HEX);
  // The kept start does not end inside an escape (readability only: the hash tells names apart).
  const start = file.slice(0, room - 2 - HASH_HEX).replace(/%(u[0-9A-F]{0,3}|[0-9A-F]?)$/, '');
  return `${start}%~${digest}`;
}

const hex = (c: number, width: number): string => c.toString(16).toUpperCase().padStart(width, '0');
