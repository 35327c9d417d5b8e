/**
 * Sessions for streaming server tests: a real child process behind the StreamProcess contract (as the runtime
 * will provide), recording resizes and close() calls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex, Readable } from 'node:stream';
import type { PortForwardSession, RemoteCommandSession, StreamProcess } from '../../src/streaming/types.js';

export interface Flags { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean }

export interface RecordingSession extends RemoteCommandSession {
  resizes: [number, number][];
  closeCalls: number;
  started: Promise<StreamProcess>;
  child?: ChildProcess;
  childExited?: Promise<void>;
}

/** A session whose process is `sh -c script` (its own process group, killed as a whole by close()). */
export function shellSession(script: string, flags: Flags, kind: 'exec' | 'attach' = 'exec'): RecordingSession {
  return customSession(flags, kind, (s) => {
    const child = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    s.child = child;
    const exited = new Promise<{ exitCode: number }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve({ exitCode: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15) }));
    });
    s.childExited = exited.then(() => undefined, () => undefined);
    if (!flags.stdin) child.stdin.end();
    return {
      stdin: flags.stdin ? child.stdin : undefined,
      stdout: flags.stdout ? child.stdout : drain(child.stdout),
      stderr: flags.stderr && !flags.tty ? child.stderr : drain(child.stderr),
      exited,
      kill: () => {
        // the whole process group: the shell's children must not keep the output pipes open
        if (child.exitCode === null && child.signalCode === null) { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }
        return s.childExited!;
      },
    };
  });
}

/** A session around any streams (e.g. an in-memory generator). */
export function customSession(flags: Flags, kind: 'exec' | 'attach',
  make: (s: RecordingSession) => Omit<StreamProcess, 'resize' | 'close'> & { kill(): Promise<void> }): RecordingSession {
  let started!: (p: StreamProcess) => void;
  const s: RecordingSession = {
    kind, stdin: !!flags.stdin, stdout: !!flags.stdout, stderr: !!flags.stderr, tty: !!flags.tty, containerId: 'c0ffee',
    resizes: [], closeCalls: 0,
    started: new Promise((r) => { started = r; }),
    start: async () => {
      const p = make(s);
      const proc: StreamProcess = {
        stdin: p.stdin, stdout: p.stdout, stderr: p.stderr, exited: p.exited,
        resize: async (w, h) => { s.resizes.push([w, h]); },
        close: async () => { s.closeCalls++; await p.kill(); },
      };
      started(proc);
      return proc;
    },
  };
  return s;
}

function drain(r: Readable): undefined {
  r.resume();
  return undefined;
}

export function portForwardSession(ports: number[], connect: (port: number) => Promise<Duplex>): PortForwardSession {
  return { kind: 'portforward', podSandboxId: 'p0d', ports, connect };
}
