import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReadme } from '../../../src/cli/docs/reference.js';
import { CONFIG_SCHEMA } from '../../../src/config/schema.js';
import { defaults } from '../../../src/config/config.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

test('README generated blocks match the config schema and the error table (run "npm run docs" after changing them)', () => {
  const text = readFileSync(README, 'utf8');
  assert.equal(renderReadme(text), text);
});

test('the schema lists exactly the leaves of defaults() (plus the registries and runtimeHandlers fields)', () => {
  const leaves: string[] = [];
  const walk = (o: Record<string, unknown>, p: string) => {
    for (const [k, v] of Object.entries(o)) {
      const path = p ? `${p}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'registries' && k !== 'runtimeHandlers') walk(v as Record<string, unknown>, path); else leaves.push(path);
    }
  };
  walk(defaults('linux') as unknown as Record<string, unknown>, '');
  const schema = CONFIG_SCHEMA.map((k) => k.path).filter((p) => !p.startsWith('registries.') && !p.startsWith('runtimeHandlers.'));
  assert.deepEqual([...schema].sort(), leaves.sort());
});
