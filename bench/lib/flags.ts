/** Command-line flags of `npm run bench -- ...`. */
export function numFlag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
}

/** As numFlag, for counts: a non-negative integer. */
export function intFlag(name: string, def: number): number {
  const v = numFlag(name, def);
  if (!Number.isInteger(v)) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

export function strFlag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

export const boolFlag = (name: string) => process.argv.includes(`--${name}`);

/** Bench phases: lifecycle, version, steady, logs, exec, pull, recovery. */
export const PHASES = ['lifecycle', 'version', 'steady', 'logs', 'exec', 'pull', 'recovery'] as const;

/** Whether a phase runs: `--phases a,b` runs only those; otherwise every phase not turned off by `--skip-<phase>`. */
export function phaseOn(name: (typeof PHASES)[number]): boolean {
  const only = strFlag('phases');
  if (only === undefined) return !boolFlag(`skip-${name}`);
  const names = only.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(PHASES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`--phases: unknown phase ${unknown.join(', ')} (phases: ${PHASES.join(', ')})`);
  return names.includes(name);
}
