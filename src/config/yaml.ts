/**
 * The `yaml` package, loaded on first use: a configuration that is a JSON document (the file the daemon writes
 * for its IO keeper) is parsed without it, so the keeper never loads its ~70 modules. The daemon needs it only to
 * read its configuration at start; afterwards it drops the package (releaseYaml) so that its modules' source text,
 * functions and objects (about 0.7 MiB of heap for the rest of the daemon's life) can be collected. A later use
 * loads it again.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

/** The require function is made per load and not kept: it holds the modules it loaded (its `children`). */
export function yaml(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
}

/**
 * Forgets the package: this module's reference and CommonJS's cache entries of its files (those under the
 * directory `yaml` resolves into), so the next yaml() reads it afresh. Returns how many cache entries went.
 */
export function releaseYaml(): number {
  if (!loaded) return 0;
  loaded = undefined;
  const require = createRequire(import.meta.url);
  let root: string;
  try { root = dirname(require.resolve('yaml')); } catch { return 0; }
  // .../node_modules/yaml/dist/index.js → .../node_modules/yaml/ (the package's own files only)
  // Not under a folder named yaml (vendored, renamed): only the folder of its entry point is the package's.
  const at = root.lastIndexOf(`${sep}yaml${sep}`);
  const pkg = at < 0 ? `${root}${sep}` : root.slice(0, at + `${sep}yaml${sep}`.length);
  let n = 0;
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(pkg)) { delete require.cache[id]; n++; }
  }
  return n;
}
