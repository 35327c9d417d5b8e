/**
 * Every command, in the order `wincri --help` lists them, with its one-line summary. A command's module is
 * imported only when it runs (or its --help is asked for): `wincri io-keeper` and short commands must not load
 * the daemon's modules (gRPC server, metrics, streaming, images) they never use. New commands register here.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  /** Internal commands are left out of `wincri --help`. */
  internal?: boolean;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run the CRI daemon', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'version', summary: 'print the version', load: async () => (await import('./version.js')).versionCommand },
  { name: 'info', summary: 'version, backend, host build, endpoint, configuration in effect, readiness and why', load: async () => (await import('./info.js')).infoCommand },
  { name: 'config', summary: 'print the default configuration, or check a configuration file', load: async () => (await import('./config.js')).configCommand },
  { name: 'images', summary: 'list, pull, import, remove and prune images in the running daemon', load: async () => (await import('./images.js')).imagesCommand },
  { name: 'ps', summary: 'list containers (running; -a all)', load: async () => (await import('./ps.js')).psCommand },
  { name: 'pods', summary: 'list pod sandboxes (ready; -a all)', load: async () => (await import('./ps.js')).podsCommand },
  { name: 'doctor', summary: 'check this node (ok/warn/fail with what to do); --leaks [--fix] finds orphaned platform objects', load: async () => (await import('./doctor.js')).doctorCommand },
  { name: 'service', summary: 'install, uninstall, start or stop the Windows service (--dry-run prints the plan anywhere)', load: async () => (await import('./service.js')).serviceCommand },
  { name: 'shutdown', summary: 'stop the daemon, IO keeper and emulator service (--containers: remove every pod first)', load: async () => (await import('./shutdown.js')).shutdownCommand },
  { name: 'node-agent', summary: 'program overlay routes (RemoteSubnetRoute) to the other nodes from Node objects', load: async () => (await import('./internal.js')).nodeAgentCommand },
  { name: 'io-keeper', internal: true, summary: '(internal) the per-node process that owns container stdio and logs; started by serve', load: async () => (await import('./internal.js')).ioKeeperCommand },
];
