/**
 * The `yaml` package, loaded on first use: a configuration that is a JSON document (the file the daemon writes
 * for its IO keeper) is parsed without it, so the keeper never loads its ~70 modules.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

export function yaml(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
}
