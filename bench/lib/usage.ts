/** A command's flags, each with one line of description: `--help` prints them, anything else unknown is refused. */
export interface FlagSpec {
  name: string;
  /** What the flag takes (`N`, `FILE`, …); none for a switch. */
  value?: string;
  about: string;
}

export type ArgsVerdict = { kind: 'run' } | { kind: 'help' } | { kind: 'bad'; message: string };

/** Reads argv (without node and the script) against the flags: help, a mistake naming the flag, or a run. */
export function checkArgs(specs: readonly FlagSpec[], argv: readonly string[]): ArgsVerdict {
  if (helpAsked(specs, argv)) return { kind: 'help' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const spec = arg.startsWith('--') ? specs.find((s) => s.name === arg.slice(2)) : undefined;
    if (!spec) return { kind: 'bad', message: arg.startsWith('-') ? `unknown flag ${arg}` : `unexpected argument ${arg}` };
    if (spec.value === undefined) continue;
    if (i + 1 >= argv.length) return { kind: 'bad', message: `${arg} needs a value (${spec.value})` };
    i++;
  }
  return { kind: 'run' };
}

/** `--help` / `-h` where a flag is expected (anywhere but as the value of a flag that takes one), even after a mistake. */
function helpAsked(specs: readonly FlagSpec[], argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return true;
    if (arg.startsWith('--') && specs.find((s) => s.name === arg.slice(2))?.value !== undefined) i++;
  }
  return false;
}

/** The usage text: one line a flag. */
export function usage(command: string, specs: readonly FlagSpec[]): string {
  const heads = specs.map((s) => `--${s.name}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length));
  return [`usage: ${command} [flags]`, '', ...specs.map((s, i) => `  ${heads[i]!.padEnd(width)}  ${s.about}`), `  ${'--help, -h'.padEnd(width)}  this text`].join('\n');
}

/** Before a command does anything: prints usage and exits 0 on --help / -h; exits 2 naming a flag it does not know. */
export function handleArgs(command: string, specs: readonly FlagSpec[], argv = process.argv.slice(2)): void {
  const v = checkArgs(specs, argv);
  if (v.kind === 'help') { console.log(usage(command, specs)); process.exit(0); }
  if (v.kind === 'bad') { console.error(`${command}: ${v.message} (--help lists the flags)`); process.exit(2); }
}
