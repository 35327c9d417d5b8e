/** `wincri ps` and `wincri pods`: quick summaries of containers and pod sandboxes (CRI List* calls only). */
import { EXIT, CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, bool, configFrom, parseArgs, str, type Flags } from '../args.js';
import { withDaemon, type DaemonClient } from '../client.js';
import { age, json, shortId, state, table } from '../output.js';
import type { Command } from '../command.js';

export interface PodRow { id: string; metadata: { name: string; namespace: string; attempt: number; uid: string }; state: string; createdAt: string; runtimeHandler: string }
export interface CtrRow { id: string; podSandboxId: string; metadata: { name: string; attempt: number }; image: { image: string }; imageRef: string; state: string; createdAt: string }

export function podsTable(pods: PodRow[], now = Date.now()): string {
  const sorted = [...pods].sort((a, b) => (BigInt(b.createdAt) > BigInt(a.createdAt) ? 1 : -1));
  return table(['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME'], sorted.map((p) => [
    shortId(p.id), age(p.createdAt, now), state(p.state), p.metadata.name, p.metadata.namespace, String(p.metadata.attempt), p.runtimeHandler || '(default)',
  ]));
}

export function containersTable(ctrs: CtrRow[], pods: PodRow[], now = Date.now()): string {
  const podName = new Map(pods.map((p) => [p.id, p.metadata.name]));
  const sorted = [...ctrs].sort((a, b) => (BigInt(b.createdAt) > BigInt(a.createdAt) ? 1 : -1));
  return table(['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'], sorted.map((c) => [
    shortId(c.id), c.image.image.startsWith('sha256:') ? shortId(c.image.image) : c.image.image, age(c.createdAt, now), state(c.state),
    c.metadata.name, String(c.metadata.attempt), shortId(c.podSandboxId), podName.get(c.podSandboxId) ?? '',
  ]));
}

const FLAGS = { ...CONFIG_FLAGS, all: 'boolean', output: 'string', quiet: 'boolean' } as const;
const ALIASES = { a: 'all', o: 'output', q: 'quiet' };

function output(flags: Flags): 'table' | 'json' {
  const o = str(flags, 'output') ?? 'table';
  if (o !== 'table' && o !== 'json') throw new UsageError('-o must be table or json');
  return o;
}

/** One listing command: usage checks, the running-only/all filter, then ids (-q), JSON or a table of the rows. */
function listCommand(spec: {
  name: string; help: string; readyState: string;
  list(c: DaemonClient, filter: object): Promise<{ rows: { id: string }[]; table(): string }>;
}): Command {
  return {
    name: spec.name,
    help: spec.help,
    async run(argv) {
      const { flags, args, help } = parseArgs(argv, FLAGS, ALIASES);
      if (help) return void console.log(this.help), EXIT.OK;
      if (args.length) throw new UsageError(`${spec.name} takes no arguments (got "${args[0]}")`);
      const fmt = output(flags);
      return withDaemon(configFrom(flags).endpoint, async (c) => {
        const filter = bool(flags, 'all') ? {} : { filter: { state: { state: spec.readyState } } };
        const { rows, table: render } = await spec.list(c, filter);
        if (fmt === 'json') process.stdout.write(json(rows));
        else if (bool(flags, 'quiet')) for (const x of rows) console.log(x.id);
        else process.stdout.write(render());
        return EXIT.OK;
      });
    },
  };
}

export const psCommand = listCommand({
  name: 'ps',
  help: `Usage: wincri ps [-a] [-q] [-o table|json]

Lists containers, newest first: ID, image, age, state, name, attempt, pod.
  -a, --all          include created and exited containers (default: running only)
  -q, --quiet        container IDs only
  -o, --output FMT   table (default) or json (the CRI Container objects)
${CONFIG_FLAGS_HELP}
Exit codes: 0 ok, 1 failure (daemon unreachable), 2 usage error.`,
  readyState: 'CONTAINER_RUNNING',
  async list(c, filter) {
    const [{ containers }, { items }] = await Promise.all([
      c.call<{ containers: CtrRow[] }>('runtime', 'ListContainers', filter),
      c.call<{ items: PodRow[] }>('runtime', 'ListPodSandbox', {}),
    ]);
    return { rows: containers, table: () => containersTable(containers, items) };
  },
});

export const podsCommand = listCommand({
  name: 'pods',
  help: `Usage: wincri pods [-a] [-q] [-o table|json]

Lists pod sandboxes, newest first: ID, age, state, name, namespace, attempt, runtime handler.
  -a, --all          include NotReady (stopped) pods (default: ready only)
  -q, --quiet        pod IDs only
  -o, --output FMT   table (default) or json (the CRI PodSandbox objects)
${CONFIG_FLAGS_HELP}
Exit codes: 0 ok, 1 failure (daemon unreachable), 2 usage error.`,
  readyState: 'SANDBOX_READY',
  async list(c, filter) {
    const { items } = await c.call<{ items: PodRow[] }>('runtime', 'ListPodSandbox', filter);
    return { rows: items, table: () => podsTable(items) };
  },
});
