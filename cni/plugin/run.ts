/**
 * wincri CNI plugin: one invocation (spec 1.1.0; accepts 0.3.0, 0.3.1, 0.4.0, 1.0.0). Invoked by a CNI runtime with
 * CNI_COMMAND / CNI_CONTAINERID / CNI_NETNS (an HNS namespace GUID) / CNI_IFNAME / CNI_PATH / CNI_ARGS in the
 * environment and the network configuration on stdin. Success: exit 0 (ADD prints the result, VERSION the
 * supported versions). Failure: an error object {cniVersion, code, msg, details} on stdout and exit 1.
 */
import type { Platform } from '../../src/platform/types.js';
import { CniError, CNI_ERR } from './errors.js';
import { SUPPORTED_VERSIONS, CURRENT_VERSION, checkSupported, compareVersions, encodeResult } from './version.js';
import { parseNetConf } from './config.js';
import { cmdAdd, cmdDel, cmdCheck, cmdStatus, cmdGc, parseCniArgs, type CniEnv } from './commands.js';
import { openPlatform } from './platform.js';

const REQUIRED: Record<string, string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  STATUS: [],
  GC: [],
};

export interface RunResult { code: number; stdout: string }

/** Runs one CNI invocation; never throws. `open` is the HNS connection factory (tests may substitute it). */
export async function run(env: NodeJS.ProcessEnv, stdin: () => string, open: () => Promise<Platform> = () => openPlatform(env)): Promise<RunResult> {
  let version = CURRENT_VERSION;
  let platform: Platform | undefined;
  try {
    const command = env.CNI_COMMAND ?? '';
    if (command === 'VERSION') {
      let asked: unknown;
      try { asked = (JSON.parse(stdin() || '{}') as { cniVersion?: unknown }).cniVersion; } catch { /* reply anyway */ }
      const v = typeof asked === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(asked) ? asked : CURRENT_VERSION;
      return { code: 0, stdout: JSON.stringify({ cniVersion: v, supportedVersions: SUPPORTED_VERSIONS }) };
    }
    const text = stdin();
    let raw: unknown;
    try { raw = JSON.parse(text); } catch (e) {
      throw new CniError(CNI_ERR.DecodingFailure, 'error parsing network configuration', (e as Error).message);
    }
    if (raw && typeof raw === 'object' && typeof (raw as { cniVersion?: unknown }).cniVersion === 'string') {
      version = (raw as { cniVersion: string }).cniVersion;
    }
    if (!command) throw new CniError(CNI_ERR.InvalidEnvironment, 'required env variables [CNI_COMMAND] missing');
    const required = REQUIRED[command];
    if (!required) throw new CniError(CNI_ERR.InvalidEnvironment, `unknown CNI_COMMAND: ${command}`);
    const missing = required.filter((k) => env[k] === undefined || (k !== 'CNI_PATH' && env[k] === ''));
    if (missing.length) throw new CniError(CNI_ERR.InvalidEnvironment, `required env variables [${missing.join(',')}] missing`);
    checkSupported(version);
    if ((command === 'STATUS' || command === 'GC') && compareVersions(version, '1.1.0') < 0) {
      throw new CniError(CNI_ERR.IncompatibleVersion, `config version ${version} does not allow ${command}`);
    }
    if (command === 'CHECK' && compareVersions(version, '0.4.0') < 0) {
      throw new CniError(CNI_ERR.IncompatibleVersion, `config version ${version} does not allow CHECK`);
    }
    const conf = parseNetConf(text);
    const cenv: CniEnv = {
      command,
      containerId: env.CNI_CONTAINERID ?? '',
      netns: env.CNI_NETNS ?? '',
      ifname: env.CNI_IFNAME ?? '',
      path: env.CNI_PATH ?? '',
      args: parseCniArgs(env.CNI_ARGS ?? ''),
    };
    try {
      platform = await open();
    } catch (e) {
      const code = command === 'STATUS' ? CNI_ERR.PluginNotAvailable : CNI_ERR.TryAgainLater;
      throw new CniError(code, `cannot reach HNS: ${(e as Error).message}`);
    }
    const net = platform.network;
    switch (command) {
      case 'ADD': return { code: 0, stdout: JSON.stringify(encodeResult(await cmdAdd(conf, cenv, net), version)) };
      case 'DEL': await cmdDel(conf, cenv, net); return { code: 0, stdout: '' };
      case 'CHECK': await cmdCheck(conf, cenv, net); return { code: 0, stdout: '' };
      case 'STATUS': await cmdStatus(conf, net); return { code: 0, stdout: '' };
      default: await cmdGc(conf, net); return { code: 0, stdout: '' };
    }
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CNI_ERR.IoFailure, (e as Error)?.message ?? String(e));
    return { code: 1, stdout: JSON.stringify(err.toJSON(version)) };
  } finally {
    await platform?.close().catch(() => undefined);
  }
}
