/**
 * Argument parsing and exit codes shared by every command. Exit codes scripts can rely on:
 *   0 ok · 1 failure (the daemon or the node said no) · 2 usage error (bad flags, unknown command, bad config
 *   file given on the command line) · 3 doctor found warnings only.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromDocument, defaultEndpoint, loadConfig, readConfigDocument, type Config } from '../config/config.js';

export const EXIT = { OK: 0, FAIL: 1, USAGE: 2, WARN: 3 } as const;

export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 failure, 2 usage error.';

export class UsageError extends Error {}
/** A failure to report as "wincri: <message>" with exit code 1. */
export class Failure extends Error {}

export type FlagKind = 'string' | 'boolean' | 'list';
export type Flags = Record<string, string | boolean | string[] | undefined>;

export interface Parsed<F extends Flags = Flags> { flags: F; args: string[]; help: boolean }

/**
 * `--name VALUE`, `--name=VALUE`, `--bool`, `-x` aliases, `--` ends flags. Unknown flags are usage errors.
 * List flags may repeat.
 */
export function parseArgs(argv: string[], spec: Record<string, FlagKind>, aliases: Record<string, string> = {}): Parsed {
  const flags: Flags = {};
  const args: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a === '-h' || a === '--help') { help = true; continue; }
    if (a.startsWith('-') && a !== '-') {
      const long = a.startsWith('--');
      const eq = long ? a.indexOf('=') : -1;
      const name = long ? (eq > 0 ? a.slice(2, eq) : a.slice(2)) : aliases[a.slice(1)];
      const kind = name === undefined ? undefined : spec[name];
      if (name === undefined || !kind) throw new UsageError(`unknown flag ${long ? `--${name}` : a}`);
      if (kind === 'boolean') {
        if (eq > 0) throw new UsageError(`flag --${name} takes no value`);
        flags[name] = true;
        continue;
      }
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
      if (kind === 'list') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
      else flags[name] = value;
      continue;
    }
    args.push(a);
  }
  return { flags, args, help };
}

export const str = (f: Flags, k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
export const bool = (f: Flags, k: string): boolean => f[k] === true;

/** The configuration file used when --config is not given, if it exists. */
export function defaultConfigFile(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\ProgramData\\wincri\\config.yaml' : '/etc/wincri/config.yaml';
}

/** Flags every command that needs the node's configuration accepts. */
export const CONFIG_FLAGS: Record<string, FlagKind> = { config: 'string', endpoint: 'string', root: 'string' };

export const CONFIG_FLAGS_HELP = `  --config FILE      wincri configuration (default ${defaultConfigFile()} if it exists)
  --endpoint URL     daemon endpoint (default: the configuration's, else ${defaultEndpoint()})
  --root DIR         state root (default: the configuration's)`;

/** Config from --config (or the default file when present) with --endpoint/--root/--log-level/--log-format applied. */
export function configFrom(flags: Flags): Config {
  const file = str(flags, 'config') ?? (existsSync(defaultConfigFile()) ? defaultConfigFile() : undefined);
  const overrides = {
    endpoint: str(flags, 'endpoint'), root: str(flags, 'root') ? resolve(str(flags, 'root')!) : undefined, logLevel: str(flags, 'log-level'), logFormat: str(flags, 'log-format'),
  };
  return file ? loadConfig(file, overrides) : configFromDocument(null, overrides);
}

/** Re-exported for commands that read a document themselves (config check). */
export { readConfigDocument };
