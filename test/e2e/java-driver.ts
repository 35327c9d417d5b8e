/**
 * Drives test/e2e/java/CriClient.java (grpc-java over a unix socket) line by line: requests are encoded and answers
 * decoded with the grpc-js codecs of api/api.proto, so a test asserts on the same objects grpc-js returns.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadCri } from '../../src/cri/proto.js';

const SOURCES = ['CriClient.java', 'JdkUnixChannel.java'].map((f) => fileURLToPath(new URL(`../../../test/e2e/java/${f}`, import.meta.url)));
/** Debian's libgrpc-java and what it needs at run time (its package declares only opencensus). */
const JARS = ['grpc-api', 'grpc-context', 'grpc-core', 'grpc-netty', 'grpc-stub', 'guava', 'perfmark-api',
  'netty-common', 'netty-buffer', 'netty-transport', 'netty-codec', 'netty-codec-http', 'netty-codec-http2',
  'netty-handler', 'netty-resolver', 'netty-transport-native-unix-common', 'netty-transport-native-epoll']
  .map((j) => `/usr/share/java/${j}.jar`);

export function javaSkipReason(): string | false {
  try { execFileSync('javac', ['-version'], { stdio: 'ignore' }); } catch { return 'no JDK (apt-get install default-jdk-headless)'; }
  const missing = JARS.filter((j) => !existsSync(j));
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install libgrpc-java libnetty-java libguava-java libperfmark-java)`;
  return false;
}

export function compileJavaClient(outDir: string): void {
  execFileSync('javac', ['-nowarn', '-d', outDir, '-cp', JARS.join(':'), ...SOURCES], { stdio: 'pipe', timeout: 300_000 });
}

export class StatusError extends Error {
  constructor(readonly code: string, readonly details: string) { super(`${code}: ${details}`); }
}

type Stream = { headers: Promise<void>; messages: any[]; closed: Promise<string>; cancel(): void };

export class JavaClient {
  readonly proc: ChildProcess;
  readonly transport: Promise<string>;
  stderr = '';
  private seq = 0;
  private readonly handlers = new Map<string, (kind: string, rest: string) => void>();

  constructor(classes: string, socket: string) {
    this.proc = spawn('java', ['-cp', [classes, ...JARS].join(':'), 'CriClient', socket], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 180_000 });
    this.proc.stderr!.on('data', (b) => { this.stderr += b; });
    this.proc.stdin!.on('error', () => undefined); // EPIPE from a client that died: its calls are answered below
    // a client that died answers every call still waiting
    this.proc.once('close', (code, signal) => { for (const h of this.handlers.values()) h('closed', `EXITED ${code ?? signal}`); });
    let gotTransport: (t: string) => void = () => undefined;
    this.transport = new Promise((ok) => { gotTransport = ok; });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const [id, kind, ...rest] = line.split(' ');
      if (id === 'transport') return gotTransport(kind!);
      this.handlers.get(id!)?.(kind!, rest.join(' '));
    });
  }

  private send(words: string[], onLine: (kind: string, rest: string) => void): string {
    const id = String(++this.seq);
    this.handlers.set(id, onLine);
    this.proc.stdin!.write(`${id} ${words.join(' ')}\n`);
    return id;
  }

  /** A unary call of `service` ('RuntimeService' | 'ImageService'): the decoded answer, or a StatusError. */
  unary<R = any>(service: 'RuntimeService' | 'ImageService', method: string, req: unknown): Promise<R> {
    const def = (loadCri().runtime.v1[service] as any).service[method];
    return new Promise((ok, fail) => {
      const id = this.send(['unary', def.path, def.requestSerialize(req).toString('hex')], (kind, rest) => {
        this.handlers.delete(id);
        if (kind === 'ok') return ok(def.responseDeserialize(Buffer.from(rest, 'hex')));
        const [code, ...details] = rest.split(' ');
        fail(new StatusError(code!, details.join(' ')));
      });
    });
  }

  stream(method: string, req: unknown): Stream {
    const def = (loadCri().runtime.v1.RuntimeService as any).service[method];
    const messages: any[] = [];
    let gotHeaders: () => void = () => undefined;
    let gotClose: (code: string) => void = () => undefined;
    const headers = new Promise<void>((ok) => { gotHeaders = ok; });
    const closed = new Promise<string>((ok) => { gotClose = ok; });
    const id = this.send(['stream', def.path, def.requestSerialize(req).toString('hex')], (kind, rest) => {
      if (kind === 'headers') gotHeaders();
      else if (kind === 'msg') messages.push(def.responseDeserialize(Buffer.from(rest, 'hex')));
      else if (kind === 'closed') gotClose(rest);
    });
    return { headers, messages, closed, cancel: () => { this.proc.stdin!.write(`${id} cancel\n`); } };
  }

  /** Closes stdin (the client shuts its channel down) and resolves with the exit code. */
  end(): Promise<number | null> {
    const exited = new Promise<number | null>((ok) => this.proc.once('close', ok));
    this.proc.stdin!.end();
    return exited;
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}
