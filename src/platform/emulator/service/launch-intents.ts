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
 */
import type { Persister } from './persist.js';

export interface LaunchIntent {
  system: string;
  /** The helper's exit-status file (exit-status.ts), `-s` in its argv. */
  statusFile: string;
}

const NAME = 'launches';

export class LaunchIntents {
  private pending = new Map<string, LaunchIntent>();
  constructor(private readonly persist: Persister) {}

  /** Durable once this resolves: only then may the helper be spawned. */
  begin(i: LaunchIntent): Promise<void> {
    this.pending.set(i.statusFile, i);
    return this.save();
  }

  /** The launch is settled (its record is durable, or it failed); written with the next save. */
  end(statusFile: string | undefined): void {
    if (statusFile && this.pending.delete(statusFile)) void this.save();
  }

  /** Intents a killed service left; the new service starts with none in flight. */
  async load(): Promise<LaunchIntent[]> {
    const left = await this.persist.load<LaunchIntent[]>(NAME);
    return Array.isArray(left) ? left.filter((i) => typeof i?.statusFile === 'string') : [];
  }

  save(): Promise<void> {
    return this.persist.save(NAME, () => [...this.pending.values()]);
  }
}
