/**
 * CNI network configuration from a directory, as libcni reads it: files ending in `.conflist`, `.conf` or
 * `.json`, taken in lexical order of their names; the first one that parses and validates is the pod network.
 * A single-plugin `.conf`/`.json` becomes a list of one. The directory is re-read when anything in it changed
 * (names, sizes or modification times), so a configuration written after start-up is picked up.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isKnownVersion } from './version.js';

export type PluginConf = Record<string, unknown> & { type: string; capabilities?: Record<string, boolean> };

export interface NetworkList {
  name: string;
  cniVersion: string;
  plugins: PluginConf[];
  disableCheck: boolean;
  disableGC: boolean;
  /** The file it came from. */
  file: string;
  /** The list as JSON text (what the result cache keeps, so DEL uses the configuration ADD used). */
  source: string;
}

export const CONF_EXTENSIONS = ['.conflist', '.conf', '.json'];

export class ConfigProblem extends Error {}

/** Parses and validates one configuration file's text. */
export function parseNetworkConfig(text: string, file: string): NetworkList {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { throw new ConfigProblem(`${file}: not valid JSON: ${(e as Error).message}`); }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigProblem(`${file}: not a JSON object`);
  const d = doc as Record<string, unknown>;
  const isList = file.endsWith('.conflist') || Array.isArray(d.plugins);
  const name = d.name;
  if (typeof name !== 'string' || !name) throw new ConfigProblem(`${file}: "name" is required`);
  const cniVersion = typeof d.cniVersion === 'string' && d.cniVersion ? d.cniVersion : '0.1.0';
  if (!isKnownVersion(cniVersion)) throw new ConfigProblem(`${file}: cniVersion "${cniVersion}" is not supported`);
  let plugins: PluginConf[];
  if (isList) {
    if (!Array.isArray(d.plugins) || d.plugins.length === 0) throw new ConfigProblem(`${file}: "plugins" must be a non-empty list`);
    plugins = d.plugins.map((p, i) => {
      if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new ConfigProblem(`${file}: plugins[${i}] is not an object`);
      const t = (p as Record<string, unknown>).type;
      if (typeof t !== 'string' || !t) throw new ConfigProblem(`${file}: plugins[${i}].type is required`);
      return p as PluginConf;
    });
  } else {
    if (typeof d.type !== 'string' || !d.type) throw new ConfigProblem(`${file}: "type" is required`);
    const { cniVersion: _v, name: _n, ...rest } = d;
    plugins = [rest as PluginConf];
  }
  for (const [i, p] of plugins.entries()) {
    if (/[\\/]/.test(p.type)) throw new ConfigProblem(`${file}: plugins[${i}].type "${p.type}" must be a plain name`);
    if (p.capabilities !== undefined && (typeof p.capabilities !== 'object' || p.capabilities === null)) {
      throw new ConfigProblem(`${file}: plugins[${i}].capabilities must be an object`);
    }
  }
  const list = { name, cniVersion, plugins, disableCheck: d.disableCheck === true, disableGC: d.disableGC === true, file };
  return { ...list, source: JSON.stringify({ cniVersion, name, disableCheck: list.disableCheck, disableGC: list.disableGC, plugins }) };
}

/** Rebuilds a list from the JSON text kept in the result cache. */
export function networkListFromSource(source: string, file = '(cached)'): NetworkList {
  return parseNetworkConfig(source, file.endsWith('.conflist') ? file : `${file}.conflist`);
}

/** `empty`: the directory is missing or holds no configuration file (an invalid file is not empty). */
export interface LoadedConfig { network?: NetworkList; problems: string[]; empty: boolean }

/** Reads a conf dir (re-reading only when it changed). */
export class ConfDirLoader {
  private fingerprint: string | undefined;
  private cached: LoadedConfig = { problems: [], empty: true };
  private loaded = false;
  constructor(readonly dir: string) {}

  /** What the last load() found, without reading the directory again; undefined before the first load. */
  get current(): LoadedConfig | undefined { return this.loaded ? this.cached : undefined; }

  async load(): Promise<LoadedConfig> {
    this.loaded = true; // every path below sets `cached` before it returns
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => CONF_EXTENSIONS.some((x) => n.endsWith(x)) && !n.startsWith('.')).sort();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.fingerprint = undefined;
      this.cached = { problems: [code === 'ENOENT' ? `conf dir ${this.dir} does not exist` : `cannot read ${this.dir}: ${(e as Error).message}`], empty: code === 'ENOENT' };
      return this.cached;
    }
    const parts: string[] = [];
    for (const n of names) {
      try {
        const s = await stat(join(this.dir, n));
        parts.push(`${n}:${s.size}:${s.mtimeMs}`);
      } catch { parts.push(`${n}:gone`); }
    }
    const fp = parts.join('|');
    if (fp === this.fingerprint) return this.cached;
    const problems: string[] = [];
    let network: NetworkList | undefined;
    for (const n of names) {
      const file = join(this.dir, n);
      try {
        network = parseNetworkConfig(await readFile(file, 'utf8'), file);
        break;
      } catch (e) {
        problems.push(e instanceof ConfigProblem ? e.message : `${file}: ${(e as Error).message}`);
      }
    }
    if (names.length === 0) problems.push(`no network config found in ${this.dir}`);
    this.fingerprint = fp;
    this.cached = { network, problems, empty: names.length === 0 };
    return this.cached;
  }
}
