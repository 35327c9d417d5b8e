/**
 * Launch intents: a process of an isolated system is started by the namespace helper (ns-helper.ts), which
 * reports the program's pid on a pipe; the service saves the process record only after that. A service killed in
 * between would leave a running program nobody knows (its caller never got a pid, so nothing would ever wait for,
 * stop or read it). So before the helper is spawned, the service persists an intent naming the system and the
 * helper's exit-status file, a path unique to the launch that is also in the helper's argv (`-s`): the token by
 * which a restarted service finds the launch's processes (launch-orphans.ts). The intent goes once the process
 * record is durable, or once the launch failed.
 *
 * At load, an intent without a process record is a launch its caller never saw complete: its processes are
 * killed (HcsCreateProcess did not succeed, so the program must not run), its files go with the sweeps of
 * output and status files no record refers to.
 *
 * Not covered here: a service killed after the record is durable but before its reply reaches the caller leaves
 * a recorded process whose pid the caller never got. That is the caller's side of the window: the runtime finds
 * such a process among the system's processes when it recovers the container (it enumerates them), not by pid.
 *
 * Writing an intent can fail (a full or read-only state disk): then the launch is refused (ERROR_DISK_FULL, no
 * helper runs). Dropping or rewriting one can fail too: that only leaves an intent that names a recorded launch,
 * which load() ignores, so it is logged, never thrown at a launch that succeeded.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HRESULT, PlatformError } from '../../hresult.js';

export interface LaunchIntent {
  system: string;
  /** The helper's exit-status file (exit-status.ts), `-s` in its argv. */
  statusFile: string;
}

/**
 * The intents are written without fsync (temp file, rename): they only need to survive a kill of the service,
 * which leaves the page cache alone. A host crash, which could lose them, also ends every process they name.
 */
export class LaunchIntents {
  private pending = new Map<string, LaunchIntent>();
  private readonly path: string;
  constructor(recordsDir: string, private readonly log: (msg: string) => void = () => undefined) {
    mkdirSync(recordsDir, { recursive: true, mode: 0o700 });
    this.path = join(recordsDir, 'launches.json');
  }

  /** On disk when this returns: only then may the helper be spawned. */
  begin(i: LaunchIntent): void {
    this.pending.set(i.statusFile, i);
    try {
      this.write();
    } catch (e) {
      this.pending.delete(i.statusFile);
      throw new PlatformError(HRESULT.ERROR_DISK_FULL, 'HcsCreateProcess', `cannot record the launch in ${this.path} before starting it: ${(e as Error).message}`);
    }
  }

  /** The launch is settled (its record is durable, or it failed). */
  end(statusFile: string | undefined): void {
    if (statusFile && this.pending.delete(statusFile)) this.save();
  }

  /** Intents a killed service left (none when the file is missing or damaged). */
  load(): LaunchIntent[] {
    let left: unknown;
    try { left = JSON.parse(readFileSync(this.path, 'utf8')); } catch { return []; }
    return Array.isArray(left) ? left.filter((i): i is LaunchIntent => typeof (i as LaunchIntent)?.statusFile === 'string') : [];
  }

  /** Rewrites the file from what is pending; a failure is logged (see the top of this file). */
  save(): void {
    try { this.write(); } catch (e) { this.log(`launch intents: cannot rewrite ${this.path}: ${(e as Error).message}`); }
  }

  private write(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.pending.values()]), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
