import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { yaml, releaseYaml } from '../../../src/config/yaml.js';

const cachedYamlFiles = () => Object.keys(createRequire(import.meta.url).cache).filter((id) => /[\\/]node_modules[\\/]yaml[\\/]/.test(id));

test('releaseYaml drops the package from the CommonJS cache and a later use loads it again', () => {
  assert.deepEqual(yaml().parse('a: [1, 2]\n'), { a: [1, 2] });
  assert.ok(cachedYamlFiles().length > 10, 'yaml loaded its modules');
  const first = yaml();
  const n = releaseYaml();
  assert.ok(n > 10, `released ${n} cache entries`);
  assert.deepEqual(cachedYamlFiles(), []);
  assert.equal(releaseYaml(), 0, 'nothing left to release');
  const again = yaml();
  assert.notEqual(again, first, 'loaded afresh');
  assert.deepEqual(again.parse('k: v\n'), { k: 'v' });
});
