#!/usr/bin/env node
/** The wincri command line. */
import { resolve } from 'node:path';
import { loadConfig, defaultConfigYaml, ConfigError, defaultEndpoint, type Config } from '../config/config.js';
import { setLogLevel, logger } from '../util/log.js';
import { VERSION } from '../version.js';

const log = logger('wincri');

interface Parsed { flags: Record<string, string | true>; args: string[] }

function parse(argv: string[], valued: string[]): Parsed {
  const flags: Record<string, string | true> = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a === '-h' || a === '--help') { flags.help = true; continue; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!valued.includes(name)) throw new UsageError(`unknown flag --${name}`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
      flags[name] = value;
      continue;
    }
    args.push(a);
  }
  return { flags, args };
}

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `wincri ${VERSION} — Kubernetes CRI runtime for Windows nodes (HCS/HNS; Linux emulator of both)

Usage: wincri <command> [flags]

Commands:
  serve              run the CRI daemon (RuntimeService + ImageService on one endpoint)
  version            print the version
  config default     print the default configuration (YAML, every key)
  images import FILE load an OCI archive or docker-save tar into the running daemon
  images pull REF    pull an image from its registry (or a configured mirror) into the running daemon
  node-agent         program overlay routes (RemoteSubnetRoute) to the other nodes from Node objects
  shutdown           stop the daemon, IO keeper and emulator service (--containers: remove every pod first)
  io-keeper          (internal) the per-node process that owns container stdio and logs; started by serve

Run "wincri <command> --help" for the flags of a command.`,
  serve: `Usage: wincri serve [--config FILE] [--endpoint URL] [--root DIR] [--log-level LEVEL]

Runs the CRI daemon. Flags override the configuration file.
  --config FILE      YAML configuration (see "wincri config default")
  --endpoint URL     unix:///path/wincri.sock or npipe:////./pipe/wincri (default ${defaultEndpoint()})
  --root DIR         state root: images, containers, default log directory, emulator state
  --log-level LEVEL  debug, info, warn or error
SIGINT/SIGTERM stop the daemon gracefully; containers keep running.`,
  version: 'Usage: wincri version\n\nPrints the wincri version and the CRI API version.',
  config: 'Usage: wincri config default\n\nPrints the default configuration as YAML.',
  images: `Usage: wincri images import [--endpoint URL] FILE
       wincri images pull [--endpoint URL] [--creds USER:PASSWORD] REF

import loads an OCI image-layout tar (skopeo copy … oci-archive:FILE) or a "docker save" tar into the running
daemon and prints the image ID and names of each image it contains.
pull fetches REF (busybox, registry:5000/app:1, app@sha256:…) through the daemon, using the registries
configuration (mirrors, TLS, insecure, auth), and prints the image ID, its names and the transfer rate.
  --endpoint URL     daemon endpoint (default ${defaultEndpoint()})
  --creds U:P        registry credentials for this pull (else the configured ones, else anonymous)`,
  'node-agent': `Usage: wincri node-agent --node NAME --network NAME [--kubeconfig FILE] [--config FILE]

Watches Node objects and keeps one RemoteSubnetRoute policy (remote pod CIDR → remote node address, VNI) per
other node on the local overlay HNS network, removing stale ones. Runs until SIGINT/SIGTERM.
  --node NAME        this node's name (its own pod CIDR gets no route)
  --network NAME     the overlay HNS network (the CNI configuration's network name)
  --kubeconfig FILE  API server credentials (default: KUBECONFIG, ~/.kube/config or in-cluster)
  --config FILE      wincri configuration (platform backend)`,
  'io-keeper': `Usage: wincri io-keeper --config FILE

Internal: the per-node IO keeper started by "wincri serve". It creates container init processes, owns their
stdio and writes their CRI logs, so containers keep logging while the daemon restarts.`,
};

function configFrom(flags: Record<string, string | true>): Config {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  return loadConfig(str('config'), {
    endpoint: str('endpoint'), root: str('root') ? resolve(str('root')!) : undefined, logLevel: str('log-level'),
  });
}

async function serve(argv: string[]): Promise<void> {
  const { flags } = parse(argv, ['config', 'endpoint', 'root', 'log-level']);
  if (flags.help) return void console.log(HELP.serve);
  const cfg = configFrom(flags);
  setLogLevel(cfg.logLevel);
  (await import('../util/last-resort.js')).installLastResort('daemon');
  const warning = (await import('./preflight.js')).networkingPreflight(cfg);
  if (warning) log.warn(warning);
  const { startDaemon } = await import('../daemon/wire.js');
  const daemon = await startDaemon(cfg);
  let closing = false;
  const stop = (sig: string) => {
    if (closing) return;
    closing = true;
    log.info('shutting down (containers keep running)', { signal: sig });
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    daemon.close().then(() => process.exit(0), (e) => { log.error('shutdown failed', { error: (e as Error).message }); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function ioKeeper(argv: string[]): Promise<void> {
  const { flags } = parse(argv, ['config', 'root']);
  if (flags.help) return void console.log(HELP['io-keeper']);
  const cfg = configFrom(flags);
  setLogLevel(cfg.logLevel);
  (await import('../util/last-resort.js')).installLastResort('io-keeper');
  const { createPlatform, keeperPaths } = await import('../daemon/wire.js');
  const { keeperMain } = await import('../container-io/keeper-main.js');
  const platform = await createPlatform(cfg);
  const p = keeperPaths(cfg);
  await keeperMain({ socketPath: p.socketPath, stateDir: p.stateDir, platform });
  await platform.close();
  process.exit(0);
}

async function nodeAgent(argv: string[]): Promise<void> {
  const { flags } = parse(argv, ['config', 'root', 'node', 'network', 'kubeconfig', 'log-level']);
  if (flags.help) return void console.log(HELP['node-agent']);
  if (typeof flags.node !== 'string' || typeof flags.network !== 'string') throw new UsageError('node-agent needs --node and --network');
  const cfg = configFrom(flags);
  setLogLevel(cfg.logLevel);
  const { createPlatform } = await import('../daemon/wire.js');
  const { runNodeAgent } = await import('../../cni/agent/node-agent.js');
  const platform = await createPlatform(cfg);
  const ac = new AbortController();
  process.on('SIGINT', () => ac.abort());
  process.on('SIGTERM', () => ac.abort());
  await runNodeAgent({
    kubeconfig: typeof flags.kubeconfig === 'string' ? resolve(flags.kubeconfig) : undefined,
    nodeName: flags.node, networkName: flags.network, platform, signal: ac.signal,
  });
  await platform.close();
  process.exit(0);
}

async function imagesCmd(argv: string[]): Promise<void> {
  const sub = argv[0];
  const { flags, args } = parse(argv.slice(1), ['endpoint', 'creds']);
  if (flags.help || sub === undefined || sub === '--help' || sub === '-h') return void console.log(HELP.images);
  if (sub === 'pull') return imagesPull(flags, args);
  if (sub !== 'import') throw new UsageError(`unknown images command "${sub}"`);
  if (args.length !== 1) throw new UsageError('images import needs exactly one FILE');
  const endpoint = typeof flags.endpoint === 'string' ? flags.endpoint : defaultEndpoint();
  const { adminClient } = await import('../daemon/admin.js');
  const client = adminClient(endpoint);
  const file = resolve(args[0]!);
  const res = await new Promise<{ images: { id: string; names: string[] }[] }>((ok, fail) => {
    client.ImportImage({ path: file }, { deadline: Date.now() + 30 * 60_000 }, (e, r) => (e ? fail(new Error(e.details || e.message)) : ok(r!)));
  });
  client.close();
  for (const img of res.images) console.log(`${img.id}\t${img.names.join(',') || '<none>'}`);
}

async function imagesPull(flags: Record<string, string | true>, args: string[]): Promise<void> {
  if (args.length !== 1) throw new UsageError('images pull needs exactly one REF');
  const endpoint = typeof flags.endpoint === 'string' ? flags.endpoint : defaultEndpoint();
  let creds: { username: string; password: string } | undefined;
  if (typeof flags.creds === 'string') {
    const i = flags.creds.indexOf(':');
    if (i < 0) throw new UsageError('--creds must be USER:PASSWORD');
    creds = { username: flags.creds.slice(0, i), password: flags.creds.slice(i + 1) };
  }
  const { adminClient } = await import('../daemon/admin.js');
  const client = adminClient(endpoint);
  try {
    const res = await new Promise<{ id: string; repoTags: string[]; repoDigests: string[]; bytes: number; seconds: number }>((ok, fail) => {
      client.PullImage({ ref: args[0]!, ...(creds ?? {}) }, { deadline: Date.now() + 6 * 3600_000 }, (e, r) => (e ? fail(new Error(e.details || e.message)) : ok(r!)));
    });
    console.log(`${res.id}\t${[...res.repoTags, ...res.repoDigests].join(',') || '<none>'}`);
    console.error(`pulled ${(res.bytes / 1e6).toFixed(1)} MB in ${res.seconds.toFixed(2)} s (${(res.bytes / 1e6 / Math.max(res.seconds, 1e-3)).toFixed(1)} MB/s)`);
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'serve': return serve(rest);
    case 'io-keeper': return ioKeeper(rest);
    case 'node-agent': return nodeAgent(rest);
    case 'version':
      if (rest.includes('--help') || rest.includes('-h')) return void console.log(HELP.version);
      console.log(`wincri ${VERSION}\nCRI API: runtime.v1 (cri-api v0.36.3)\nnode: ${process.version}`);
      return;
    case 'config':
      if (rest[0] === 'default' && rest.length === 1) return void process.stdout.write(defaultConfigYaml());
      console.log(HELP.config);
      if (!(rest.includes('--help') || rest.includes('-h'))) process.exitCode = 2;
      return;
    case 'images': return imagesCmd(rest);
    case 'shutdown': return (await import('./shutdown.js')).shutdownCommand(rest);
    case undefined: case 'help': case '--help': case '-h':
      console.log(HELP.main);
      if (cmd === undefined) process.exitCode = 2;
      return;
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

main().catch((e) => {
  if (e instanceof UsageError || e instanceof ConfigError || (e as Error)?.name === 'ShutdownUsageError') {
    console.error(`wincri: ${e.message}\nRun "wincri --help" for usage.`);
    process.exit(2);
  }
  console.error(`wincri: ${(e as Error).message}`);
  process.exit(1);
});
