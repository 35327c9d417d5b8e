/** `wincri config default | check FILE|-`. */
import { ConfigError, configFromDocument, defaultConfigYaml } from '../../config/config.js';
import { EXIT, UsageError, parseArgs, readConfigDocument } from '../args.js';
import type { Command } from '../command.js';

const HELP = `Usage: wincri config default
       wincri config check FILE|-

default  prints every configuration key with its default value and a comment (YAML)
check    validates a configuration file ("-" reads standard input): unknown keys, wrong types and bad values
         are reported one per line with their path, e.g.
           registries."docker.io".mirrors[0]: expected a string, got number 5
         "wincri config default | wincri config check -" succeeds.

Exit codes: 0 valid (check) or printed (default), 1 the file is invalid or unreadable, 2 usage error.`;

/** Problems of a configuration document ([] when valid). */
export function checkConfigFile(file: string): string[] {
  try {
    configFromDocument(readConfigDocument(file));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

export const configCommand: Command = {
  name: 'config',
  help: HELP,
  async run(argv) {
    const { args, help } = parseArgs(argv, {});
    if (help) return void console.log(HELP), EXIT.OK;
    const [sub, ...rest] = args;
    if (sub === 'default' && rest.length === 0) {
      process.stdout.write(defaultConfigYaml());
      return EXIT.OK;
    }
    if (sub === 'check') {
      if (rest.length !== 1) throw new UsageError('config check needs exactly one FILE (or - for standard input)');
      const problems = checkConfigFile(rest[0]!);
      if (problems.length === 0) { console.log(`${rest[0] === '-' ? '<stdin>' : rest[0]}: ok`); return EXIT.OK; }
      for (const p of problems) console.error(p);
      return EXIT.FAIL;
    }
    throw new UsageError(sub ? `unknown config command "${sub}"` : 'config needs a command: default or check');
  },
};
