/**
 * Planner input: `{ "params": {...}, "facts": {...} }`. Params are the script's parameters; facts are what the
 * script observed on the node before planning (read-only look-ups: services, files, the junction, the IO
 * keeper). The planners are pure functions of both, so every decision is testable without Windows.
 */
export interface ServiceFacts {
  exists: boolean;
  /** Get-Service .Status: Running, Stopped, StartPending, ... */
  status?: string;
  /** Registry ImagePath (the service's command line). */
  imagePath?: string;
  /** Running services that depend on this one (they must stop before it can, e.g. kubelet). */
  dependents: string[];
}

export interface Facts {
  services: Record<string, ServiceFacts>;
  /** <DataDir>\config.yaml exists. */
  configExists: boolean;
  /** Where <InstallDir>\current points (full path), if the junction exists. */
  currentTarget?: string;
  /** Directory names under <InstallDir>\versions. */
  versions: string[];
  /** The release being installed carries node.exe at its root. */
  sourceHasNode: boolean;
  /** Command line of the running IO keeper (pid from <root>\io\keeper.pid), if any. */
  keeperCommandLine?: string;
  /** Image archives to import (full paths), for node images pre-seeding. */
  seedImages: string[];
}

export class InputError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strips a UTF-8 BOM (Windows PowerShell 5.1 writes one with -Encoding UTF8) and parses. */
export function parseInput(text: string): { params: Obj; facts: Facts } {
  let doc: unknown;
  try { doc = JSON.parse(text.replace(/^\uFEFF/, '')); } catch (e) { throw new InputError(`planner input is not JSON: ${(e as Error).message}`); }
  if (!isObj(doc) || !isObj(doc.params) || !isObj(doc.facts)) throw new InputError('planner input must be {"params": {...}, "facts": {...}}');
  return { params: doc.params, facts: readFacts(doc.facts) };
}

export function readFacts(f: Obj): Facts {
  const services: Record<string, ServiceFacts> = {};
  if (f.services !== undefined) {
    if (!isObj(f.services)) throw new InputError('facts.services must be a map of service name to {exists, status, imagePath}');
    for (const [name, s] of Object.entries(f.services)) {
      if (!isObj(s) || typeof s.exists !== 'boolean') throw new InputError(`facts.services.${name}.exists must be a boolean`);
      services[name.toLowerCase()] = {
        exists: s.exists,
        status: typeof s.status === 'string' ? s.status : undefined,
        imagePath: typeof s.imagePath === 'string' ? s.imagePath : undefined,
        dependents: s.dependents === undefined || s.dependents === null ? [] : strList(s.dependents, `facts.services.${name}.dependents`),
      };
    }
  }
  const strs = (k: string): string[] => (f[k] === undefined || f[k] === null ? [] : strList(f[k], `facts.${k}`));
  const optStr = (k: string) => (typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined);
  return {
    services, configExists: f.configExists === true, currentTarget: optStr('currentTarget'), versions: strs('versions'),
    sourceHasNode: f.sourceHasNode === true, keeperCommandLine: optStr('keeperCommandLine'), seedImages: strs('seedImages'),
  };
}

/** A list of strings; a lone string is a list of one (ConvertTo-Json may flatten a one-element array). */
function strList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InputError(`${where} must be a list of strings`);
  return v as string[];
}

export function service(f: Facts, name: string): ServiceFacts {
  return f.services[name.toLowerCase()] ?? { exists: false, dependents: [] };
}

/** Reads params against defaults: unknown keys and wrong types are refused, so a typo never passes silently. */
export function readParams<T extends Obj>(raw: Obj, defaults: T, required: (keyof T)[] = []): T {
  const out: Obj = { ...defaults };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in defaults)) throw new InputError(`unknown parameter "${k}"`);
    if (v === null || v === undefined || v === '') continue;
    const d = defaults[k];
    if (Array.isArray(d)) {
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new InputError(`parameter "${k}" must be a list of strings`);
      out[k] = list;
    } else if (isObj(d)) {
      if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new InputError(`parameter "${k}" must be a map of strings`);
      out[k] = v;
    } else if (typeof d === 'number') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InputError(`parameter "${k}" must be a non-negative integer`);
      out[k] = v;
    } else if (typeof d === 'boolean') {
      if (typeof v !== 'boolean') throw new InputError(`parameter "${k}" must be true or false`);
      out[k] = v;
    } else {
      if (typeof v !== 'string') throw new InputError(`parameter "${k}" must be a string`);
      out[k] = v;
    }
  }
  for (const k of required) if (out[k as string] === '' || out[k as string] === undefined) throw new InputError(`parameter "${String(k)}" is required`);
  return out as T;
}
