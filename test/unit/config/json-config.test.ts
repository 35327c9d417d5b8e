import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { parseConfigText, configFromDocument, defaults, ConfigError } from '../../../src/config/config.js';

test('a JSON configuration (what the daemon writes for its IO keeper) reads as the same configuration as YAML', () => {
  const cfg = { ...defaults(), logLevel: 'debug' as const, registries: { 'r.example:5000': { insecure: true } } };
  const fromJson = configFromDocument(parseConfigText(JSON.stringify(cfg, null, 1), 'k.json'));
  const fromYaml = configFromDocument(parseConfigText(YAML.stringify(cfg), 'k.yaml'));
  assert.deepEqual(fromJson, fromYaml);
  assert.equal(fromJson.logLevel, 'debug');
  assert.equal(fromJson.registries['r.example:5000']?.insecure, true);
});

test('a flow mapping that is not plain JSON still parses as YAML, and YAML errors keep their position', () => {
  assert.deepEqual(parseConfigText('{logLevel: debug}', 'f'), { logLevel: 'debug' });
  assert.throws(() => parseConfigText('{"logLevel": "debug",', 'bad.yaml'), (e: unknown) => e instanceof ConfigError && /bad\.yaml: .*line 1/i.test(String((e as ConfigError).message)));
});
