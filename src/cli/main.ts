#!/usr/bin/env node
/** The wincri command line: dispatch and help. Each command lives in ./commands/. */
import { ConfigError } from '../config/config.js';
import { VERSION } from '../version.js';
import { EXIT, Failure, UsageError } from './args.js';
import { COMMANDS } from './commands/index.js';

export function mainHelp(): string {
  const shown = COMMANDS.filter((c) => !c.internal);
  const w = Math.max(...shown.map((c) => c.name.length));
  return `wincri ${VERSION} — Kubernetes CRI runtime for Windows nodes (HCS/HNS; Linux emulator of both)

Usage: wincri <command> [flags]

Commands:
${shown.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Run "wincri <command> --help" for the flags of a command.
Exit codes: 0 ok, 1 failure, 2 usage error; doctor: 0 all checks ok, 1 a check failed, 3 warnings only.`;
}

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    console.log(topic ? (await topic.load()).help : mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) throw new UsageError(`unknown command "${name}"`);
  return (await cmd.load()).run(rest);
}

main(process.argv.slice(2)).then((code) => { if (code !== undefined) process.exitCode = code; }, (e) => {
  if (e instanceof UsageError || (e instanceof ConfigError && !(e instanceof Failure))) {
    console.error(`wincri: ${e.message}\nRun "wincri --help" for usage.`);
    process.exit(EXIT.USAGE);
  }
  console.error(`wincri: ${(e as Error).message}`);
  process.exit(EXIT.FAIL);
});
