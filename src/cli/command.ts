/** A top-level command: its one-line summary for `wincri --help`, its own --help text, and its body. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves with the exit code; undefined for commands that keep running (serve) and exit by themselves. */
  run(argv: string[]): Promise<number | undefined>;
  /** Internal commands are left out of `wincri --help`. */
  internal?: boolean;
}
