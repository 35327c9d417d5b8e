/** `wincri info`: who is serving, on what, with which configuration, and whether it is ready (and why not). */
import YAML from 'yaml';
import type { InfoResponse } from '../../daemon/admin.js';
import { EXIT, CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, configFrom, parseArgs, str } from '../args.js';
import { withDaemon } from '../client.js';
import { json } from '../output.js';
import type { Command } from '../command.js';

export interface Condition { type: string; status: boolean; reason: string; message: string }
export interface InfoReport { daemon: InfoResponse; conditions: Condition[]; runtimeApiVersion: string }

export function formatInfo(r: InfoReport): string {
  const d = r.daemon;
  const lines = [
    `wincri ${d.version} (pid ${d.pid}, node ${d.node}, CRI ${r.runtimeApiVersion})`,
    `backend:          ${d.backend} (host ${d.osVersion} ${d.architecture})`,
    `endpoint:         ${d.endpoint}`,
    `runtime handlers: ${d.runtimeHandlers.map((h) => (h ? `${h}${d.handlerIsolation?.[h] ? ` (${d.handlerIsolation[h]})` : ''}` : '(default)')).join(', ')}`,
    'conditions:',
    ...r.conditions.map((c) => `  ${c.type.padEnd(13)} ${c.status ? 'true ' : 'false'}${c.status ? '' : `  ${c.reason}${c.message ? `: ${c.message}` : ''}`}`),
    'configuration in effect (secrets masked):',
    ...YAML.stringify(d.config).trimEnd().split('\n').map((l) => `  ${l}`),
  ];
  return lines.join('\n') + '\n';
}

export const infoCommand: Command = {
  name: 'info',
  help: `Usage: wincri info [-o text|json]

Asks the running daemon who it is (version, backend, host Windows build, endpoint, runtime handlers), the
configuration it runs with (registry passwords and TLS keys masked) and its readiness conditions with their
reasons (RuntimeReady, NetworkReady: e.g. NetworkPluginNotReady when no valid CNI configuration exists).
  -o, --output FMT   text (default) or json
${CONFIG_FLAGS_HELP}
Exit codes: 0 the daemon answered and is ready, 1 unreachable or not ready (a condition is false), 2 usage error.`,
  async run(argv) {
    const { flags, args, help } = parseArgs(argv, { ...CONFIG_FLAGS, output: 'string' }, { o: 'output' });
    if (help) return void console.log(this.help), EXIT.OK;
    if (args.length) throw new UsageError(`info takes no arguments (got "${args[0]}")`);
    const fmt = str(flags, 'output') ?? 'text';
    if (fmt !== 'text' && fmt !== 'json') throw new UsageError('-o must be text or json');
    return withDaemon(configFrom(flags).endpoint, async (c) => {
      const [daemon, status, version] = await Promise.all([
        c.call<InfoResponse>('admin', 'Info', {}),
        c.call<{ status: { conditions: Condition[] } }>('runtime', 'Status', {}),
        c.call<{ runtimeApiVersion: string }>('runtime', 'Version', {}),
      ]);
      const report: InfoReport = { daemon, conditions: status.status.conditions, runtimeApiVersion: version.runtimeApiVersion };
      process.stdout.write(fmt === 'json' ? json(report) : formatInfo(report));
      return report.conditions.every((x) => x.status) ? EXIT.OK : EXIT.FAIL;
    });
  },
};
