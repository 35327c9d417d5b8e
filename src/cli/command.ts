/** A top-level command: its own --help text and its body (its name and summary are listed in ./commands/index.ts). */
export interface Command {
  name: string;
  help: string;
  /** Resolves with the exit code; undefined for commands that keep running (serve) and exit by themselves. */
  run(argv: string[]): Promise<number | undefined>;
}
