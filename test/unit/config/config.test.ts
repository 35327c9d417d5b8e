import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { loadConfig, defaults, defaultConfigYaml, endpointPath, ConfigError } from '../../../src/config/config.js';

test('defaults: emulator on Linux, named pipe and windows backend on Windows', () => {
  assert.equal(defaults('linux').backend, 'emulator');
  assert.equal(defaults('linux').endpoint, 'unix:///run/wincri/wincri.sock');
  assert.equal(defaults('win32').backend, 'windows');
  assert.equal(defaults('win32').endpoint, 'npipe:////./pipe/wincri');
  assert.equal(defaults().emulator.osVersion, '10.0.20348');
});

test('config default prints every default and parses back to them', () => {
  const printed = YAML.parse(defaultConfigYaml());
  assert.deepEqual(printed, defaults());
});

test('file values apply, flags override, unknown keys and wrong types are rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  try {
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'root: /srv/wincri\nemulator:\n  osVersion: 10.0.26100\ncontainerLog:\n  maxLineSize: 100\n');
    const c = loadConfig(f, { root: '/override' });
    assert.equal(c.root, '/override');
    assert.equal(c.emulator.osVersion, '10.0.26100');
    assert.equal(c.emulator.stateDir, '/override/emulator');
    assert.equal(c.containerLog.maxLineSize, 100);
    writeFileSync(f, 'emulatr: {}\n');
    assert.throws(() => loadConfig(f), (e) => e instanceof ConfigError && /emulatr/.test(e.message));
    writeFileSync(f, 'containerLog:\n  maxLineSize: big\n');
    assert.throws(() => loadConfig(f), (e) => e instanceof ConfigError && /containerLog.maxLineSize/.test(e.message));
    assert.throws(() => loadConfig(undefined, { endpoint: 'tcp://x' }), ConfigError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('endpoint paths', () => {
  assert.equal(endpointPath('unix:///run/wincri/wincri.sock'), '/run/wincri/wincri.sock');
  assert.equal(endpointPath('npipe:////./pipe/wincri'), '\\\\.\\pipe\\wincri');
});

test('streaming: defaults (loopback, any port, 4 h idle, 1 min URLs) and validation', () => {
  const d = defaults('linux').streaming;
  assert.deepEqual(d, { address: '127.0.0.1', port: 0, tlsCertFile: '', tlsKeyFile: '', idleTimeoutSeconds: 14400, maxSessions: 256, maxQueuedSessions: 64, sessionQueueSeconds: 30, tokenTtlSeconds: 60 });
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  try {
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'streaming:\n  address: 0.0.0.0\n  port: 10010\n  maxSessions: 5\n');
    const c = loadConfig(f);
    assert.equal(c.streaming.address, '0.0.0.0');
    assert.equal(c.streaming.port, 10010);
    assert.equal(c.streaming.maxSessions, 5);
    for (const [yaml, msg] of [
      ['streaming:\n  address: localhost\n', /streaming.address/],
      ['streaming:\n  port: 70000\n', /streaming.port/],
      ['streaming:\n  tlsCertFile: /x.pem\n', /go together/],
      ['streaming:\n  maxSessions: 0\n', /streaming.maxSessions/],
      ['streaming:\n  idleTimeoutSeconds: 0\n', /streaming.idleTimeoutSeconds/],
      ['streaming:\n  tokenTtlSeconds: -1\n', /streaming.tokenTtlSeconds/],
    ] as const) {
      writeFileSync(f, yaml);
      assert.throws(() => loadConfig(f), (e) => e instanceof ConfigError && msg.test(e.message), yaml);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cni.defaultNetwork: on by default for Linux (emulator), off for Windows; the subnet is validated', () => {
  assert.deepEqual(defaults('linux').cni.defaultNetwork, { enabled: true, name: 'wincri-default', subnet: '10.77.0.0/24' });
  assert.equal(defaults('win32').cni.defaultNetwork.enabled, false);
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cfg-defnet-'));
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'cni:\n  defaultNetwork:\n    subnet: 10.1.2.0/33\n');
    assert.throws(() => loadConfig(file), /cni\.defaultNetwork\.subnet must be an IPv4 CIDR/);
    writeFileSync(file, 'cni:\n  defaultNetwork:\n    enabled: false\n    subnet: 172.30.0.0/16\n');
    assert.deepEqual(loadConfig(file).cni.defaultNetwork, { enabled: false, name: 'wincri-default', subnet: '172.30.0.0/16' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
