/**
 * Where things live on a Windows node, and the service command line.
 *
 *   <InstallDir>\versions\<version>\   one unpacked release each (dist\, node_modules\, cni\, deploy\, node.exe)
 *   <InstallDir>\current               junction → the release the service runs
 *   <DataDir>\config.yaml              configuration (DataDir is also wincri's state root)
 *
 * Side by side, because Windows locks the files of a running program: the IO keeper (started by the daemon
 * from the release it runs, and kept across daemon restarts) keeps its release directory in use.
 */
import { win32 } from 'node:path';
import { SMALL_HEAP_NODE_FLAGS } from '../../src/util/node-flags.js';

export const DEFAULT_INSTALL_DIR = 'C:\\Program Files\\wincri';
export const DEFAULT_DATA_DIR = 'C:\\ProgramData\\wincri';
export const DEFAULT_ENDPOINT = 'npipe:////./pipe/wincri';
export const DEFAULT_SERVICE = 'wincri';
/** Where every plan (install, upgrade, EKS) puts the release, its data and service unless told otherwise. */
export const NODE_DEFAULTS = {
  installDir: DEFAULT_INSTALL_DIR,
  dataDir: DEFAULT_DATA_DIR,
  nodePath: '',
  serviceName: DEFAULT_SERVICE,
  endpoint: DEFAULT_ENDPOINT,
};
/** The Windows Event Log source the daemon reports errors under (src/platform/windows/event-log.ts), in the Application log. */
export const EVENT_SOURCE = 'wincri';
export const EVENT_LOG = 'Application';
/** Services the daemon needs: HCS (vmcompute) and HNS (hns). */
export const SERVICE_DEPENDENCIES = ['hns', 'vmcompute'];
/** Restart after 5 s, 10 s, then every 30 s; the failure count resets after a day without failure. */
export const RECOVERY = { resetSeconds: 86400, actions: 'restart/5000/restart/10000/restart/30000' };
/**
 * Flag that makes `wincri serve` talk to the Service Control Manager (StartServiceCtrlDispatcher, stop →
 * graceful shutdown). Not in `wincri serve` today: the CLI's `service` work must add it (kubelet's name).
 */
export const WINDOWS_SERVICE_FLAG = '--windows-service';

export interface Layout {
  installDir: string;
  versionsDir: string;
  current: string;
  dataDir: string;
  configFile: string;
}

export function layout(installDir: string, dataDir: string): Layout {
  return {
    installDir, versionsDir: win32.join(installDir, 'versions'), current: win32.join(installDir, 'current'),
    dataDir, configFile: win32.join(dataDir, 'config.yaml'),
  };
}

export const versionDir = (l: Layout, version: string) => win32.join(l.versionsDir, version);
export const mainJs = (releaseDir: string) => win32.join(releaseDir, 'dist', 'src', 'cli', 'main.js');
export const bundledNode = (releaseDir: string) => win32.join(releaseDir, 'node.exe');

/** A release version is also a directory name: refuse anything that is not a plain version string. */
export function checkVersion(v: string): string {
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(v)) throw new Error(`version "${v}" is not usable as a directory name`);
  return v;
}

/** Windows command-line quoting (CommandLineToArgvW rules) for one argument. */
export function quoteArg(a: string): string {
  if (a !== '' && !/[\s"]/.test(a)) return a;
  return '"' + a.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1') + '"';
}

export interface ServiceCommand { node: string; configFile: string; serviceHost?: string; releaseDir: string }

/**
 * The service's command line. Paths go through the `current` junction, so an upgrade only flips the junction.
 * With a service host (a wrapper that speaks the SCM protocol and runs its arguments as the program, such as
 * EKS-WindowsServiceHost.exe) the daemon runs plainly; without one, `serve` must run as the service itself.
 */
export function serviceCommandLine(c: ServiceCommand): string {
  const argv = [c.node, ...SMALL_HEAP_NODE_FLAGS, mainJs(c.releaseDir), 'serve', '--config', c.configFile];
  if (c.serviceHost) argv.unshift(c.serviceHost);
  else argv.push(WINDOWS_SERVICE_FLAG);
  return argv.map((a) => (a.includes('\\') || /\s/.test(a) ? `"${a}"` : quoteArg(a))).join(' ');
}

/** `npipe:////./pipe/wincri` → `wincri`. */
export function pipeName(endpoint: string): string {
  const m = /^npipe:\/\/\/\/\.\/pipe\/([^/\\]+)$/.exec(endpoint);
  if (!m) throw new Error(`endpoint "${endpoint}" must be npipe:////./pipe/<name> on Windows`);
  return m[1]!;
}
