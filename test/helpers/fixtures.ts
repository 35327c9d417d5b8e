/** Reviewed HCS/HNS document fixtures under test/ffi/fixtures: where they are, and the check every fixture test makes. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate, type Schema } from '../../src/platform/schema.js';

/** test/ffi/fixtures of the checkout (found from the compiled test as well as from the source). */
export function fixturesDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'test', 'ffi', 'fixtures'))) {
    const up = dirname(d);
    if (up === d) throw new Error('test/ffi/fixtures not found');
    d = up;
  }
  return join(d, 'test', 'ffi', 'fixtures');
}

export const loadFixture = <T>(file: string): T => JSON.parse(readFileSync(join(fixturesDir(), file), 'utf8')) as T;

/**
 * The fixture is valid against `schema` and equal to what the builders make now (`current`); with
 * WINCRI_UPDATE_FIXTURES=1 it is first rewritten from `current` (after a reviewed change). Returns the fixture.
 */
export function checkFixture(file: string, schema: Schema<unknown>, current: unknown): unknown {
  const path = join(fixturesDir(), file);
  const now = JSON.parse(JSON.stringify(current)) as unknown;
  if (process.env.WINCRI_UPDATE_FIXTURES === '1') writeFileSync(path, JSON.stringify(now, null, 2) + '\n');
  const fixture = loadFixture<unknown>(file);
  const r = validate(schema, fixture);
  assert.ok(r.ok, r.ok ? '' : `${file}: ${r.problem.path}: ${r.problem.message}`);
  assert.deepEqual(now, fixture, `${file} differs from the builder output; review and regenerate`);
  return fixture;
}
