/**
 * A real Python CRI client (Debian's python3-grpcio, stubs generated at test time by Debian's grpc_tools.protoc
 * from api/api.proto) over the daemon's unix socket: Version, a pod and container lifecycle, a 3 MiB answer, two
 * caller mistakes and the GetContainerEvents stream. Every answer is compared with what grpc-js gets. Skipped with
 * a message when the packages are missing (test/setup.mjs installs them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { Daemon, call } from './harness.js';
import { within } from './within.js';
import { loadCri, protoPath } from '../../src/cri/proto.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../../../test/e2e/py/cri_client.py', import.meta.url));

function pythonSkipReason(): string | false {
  try { execFileSync(PYTHON, ['-c', 'import grpc, grpc_tools.protoc'], { stdio: 'ignore' }); } catch {
    return 'Debian python3-grpcio / python3-grpc-tools are not installed (apt-get install python3-grpcio python3-grpc-tools)';
  }
  return false;
}
const skip = pythonSkipReason();

/** Python stubs from our proto. Debian's grpc_tools bundles protoc 3.5, which predates the `debug_redact` field
 * option (a log-redaction hint with no effect on the wire): the copy it compiles drops that option. */
function generateStubs(dir: string): void {
  const proto = readFileSync(protoPath(), 'utf8').replace(/ \[debug_redact = true\]/g, '');
  assert.doesNotMatch(proto, /debug_redact/);
  writeFileSync(join(dir, 'api.proto'), proto);
  execFileSync(PYTHON, ['-m', 'grpc_tools.protoc', `-I${dir}`, `--python_out=${dir}`, `--grpc_python_out=${dir}`, join(dir, 'api.proto')], { stdio: 'pipe' });
}

type Line = Record<string, any>;

test('grpc-python (Debian grpcio) over the unix socket: lifecycle, large answer, error codes and events as grpc-js sees them', { skip, timeout: 300_000 }, async () => {
  const stubs = mkdtempSync(join(tmpdir(), 'wincri-pystubs-'));
  const d = new Daemon('wincri-pyclient');
  let events: grpc.ClientReadableStream<any> | undefined;
  let py: ChildProcess | undefined;
  try {
    generateStubs(stubs);
    await d.start();
    const tar = await buildWindowsImage({ dir: d.dir, names: ['example.com/wincri/py:1.0'], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sh'] } });
    const imageId = d.importImage(tar).split('\t')[0]!.trim();
    const podLogs = join(d.logDir, 'py-pod');
    mkdirSync(join(podLogs, 'app'), { recursive: true });

    // grpc-js watches the same events; its headers arriving means the subscription is live.
    const jsEvents: { id: string; type: string }[] = [];
    events = (d.runtime as any).GetContainerEvents({}) as grpc.ClientReadableStream<any>;
    events.on('data', (e: any) => jsEvents.push({ id: e.containerId, type: e.containerEventType }));
    events.on('error', () => undefined);
    await within(new Promise((ok) => events!.once('metadata', ok)), 30_000, () => `grpc-js GetContainerEvents headers\n${d.log()}`);

    py = spawn(PYTHON, [CLIENT, d.socket, imageId, podLogs], { env: { ...process.env, PYTHONPATH: stubs }, stdio: ['pipe', 'pipe', 'pipe'], timeout: 180_000 });
    let stderr = '';
    py.stderr!.on('data', (b) => { stderr += b; });
    const exited = new Promise<number | null>((ok) => py!.once('close', ok));
    const lines: Record<string, Line> = {};
    const svc = (loadCri().runtime.v1.RuntimeService as any).service;
    const decode = (method: string, hex: string) => svc[method].responseDeserialize(Buffer.from(hex, 'hex'));
    for await (const text of createInterface({ input: py.stdout! })) {
      const line = JSON.parse(text) as Line;
      lines[line.step] = line;
      if (line.step === 'running') {
        // asked while the Python client waits: the same questions through grpc-js get the same answers
        const containerId = lines.container!.id;
        assert.deepEqual(decode('ListContainers', line.list), await call(d.runtime, 'ListContainers', { filter: { podSandboxId: lines.pod!.id } }));
        assert.deepEqual(decode('ContainerStatus', line.status), await call(d.runtime, 'ContainerStatus', { containerId }));
        assert.equal(decode('ContainerStatus', line.status).status.state, 'CONTAINER_RUNNING');
        py!.stdin!.write('\n');
      }
    }
    const code = await exited;
    assert.equal(code, 0, `python client failed:\n${stderr}\n${d.log()}`);

    assert.deepEqual(decode('Version', lines.version!.hex), await call(d.runtime, 'Version', { version: '0.1.0' }));
    assert.equal(decode('Version', lines.version!.hex).runtimeName, 'wincri');
    assert.deepEqual(lines.exec, { step: 'exec', exit_code: 0, stdout_len: 3 * 1024 * 1024, all_a: true });
    assert.equal(lines.status_unknown!.code, 'NOT_FOUND', lines.status_unknown!.details);
    assert.equal(lines.start_unknown!.code, 'NOT_FOUND', lines.start_unknown!.details);
    assert.equal(lines.removed!.containers, 0);

    const pod = lines.pod!.id as string;
    const ctr = lines.container!.id as string;
    const ev = lines.events!;
    assert.equal(ev.complete, true, 'the Python client saw the sandbox deleted event');
    assert.equal(ev.stream_end, 'CANCELLED', 'the stream ended by the client cancelling it');
    const ours = (list: { id: string; type: string }[]) => list.filter((e) => e.id === pod || e.id === ctr);
    assert.deepEqual(ours(ev.events).filter((e) => e.id === ctr).map((e) => e.type),
      ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
    await d.waitFor('grpc-js to see the sandbox deleted', () => jsEvents.some((e) => e.id === pod && e.type === 'CONTAINER_DELETED_EVENT'), 15_000);
    assert.deepEqual(ours(ev.events), ours(jsEvents), 'both clients saw the same events in the same order');
  } finally {
    events?.cancel();
    if (py && py.exitCode === null && py.signalCode === null) py.kill('SIGKILL');
    await d.destroy();
    rmSync(stubs, { recursive: true, force: true });
  }
});
