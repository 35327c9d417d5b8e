/**
 * Structural validation of a configuration document against the defaults' shape, collecting every problem with
 * its exact path (`registries."docker.io".mirrors[0]: expected a string, got 5`) instead of stopping at the first.
 */
export type Seg = string | number;
type Obj = Record<string, unknown>;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['registries', 'docker.io', 'mirrors', 0]` → `registries."docker.io".mirrors[0]`. */
export function formatPath(segs: readonly Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += (out ? '.' : '') + (IDENT.test(s) ? s : JSON.stringify(s));
  }
  return out || '(document)';
}

export const isMapping = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export class Problems {
  readonly list: string[] = [];
  add(path: readonly Seg[], msg: string): void { this.list.push(`${formatPath(path)}: ${msg}`); }
  get ok(): boolean { return this.list.length === 0; }
}

/**
 * Deep-merges `src` into `dst` (the defaults), rejecting unknown keys and values whose type differs from the
 * default's. Lists take the element type of the default list (string when empty).
 */
export function mergeInto(dst: Obj, src: Obj, path: Seg[], p: Problems): void {
  for (const [k, v] of Object.entries(src)) {
    const here = [...path, k];
    if (!(k in dst)) { p.add(here, 'unknown key'); continue; }
    const cur = dst[k];
    if (isMapping(cur)) {
      if (!isMapping(v)) { p.add(here, `expected a mapping, got ${describe(v)}`); continue; }
      mergeInto(cur, v, here, p);
    } else if (Array.isArray(cur)) {
      const want = typeof (cur[0] ?? '');
      if (!Array.isArray(v)) { p.add(here, `expected a list of ${want}s, got ${describe(v)}`); continue; }
      const before = p.list.length;
      v.forEach((x, i) => { if (typeof x !== want) p.add([...here, i], `expected a ${want}, got ${describe(x)}`); });
      if (p.list.length === before) dst[k] = v;
    } else if (typeof v !== typeof cur) {
      p.add(here, `expected a ${typeof cur}, got ${describe(v)}`);
    } else {
      dst[k] = v;
    }
  }
}
