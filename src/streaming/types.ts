/**
 * The contract between the streaming server (src/streaming: HTTP, SPDY/3.1, WebSocket, one-time tokens) and the
 * runtime that fills it with processes and pod connections. The streaming server knows nothing of HCS, pods or
 * containers: the runtime validates a CRI request, then registers a session whose `start`/`connect` closures it
 * wrote itself; the server calls them when the client arrives (and never if the token is not used).
 */
import type { Duplex, Readable, Writable } from 'node:stream';

/** A process (exec) or a container's main process (attach) as seen by one streaming session. */
export interface StreamProcess {
  /** Present when the session asked for stdin; `end()` closes the process's stdin (exec) or detaches (attach). */
  stdin?: Writable;
  /** Present when the session asked for stdout (in TTY mode: the terminal output). */
  stdout?: Readable;
  /** Present when the session asked for stderr and it is not a TTY session. */
  stderr?: Readable;
  /** Console resize (TTY sessions); sizes below 1 are ignored by the caller. */
  resize(width: number, height: number): Promise<void>;
  /**
   * Resolves when the process ends: `exitCode` for exec (and for attach when the container exits); rejects with
   * an Error whose message is meant for the person at the client when the session failed.
   */
  readonly exited: Promise<{ exitCode: number }>;
  /**
   * The client went away or the session is over: exec kills its process; attach detaches without touching the
   * container. Releases every handle and socket; idempotent.
   */
  close(): Promise<void>;
}

export interface RemoteCommandSession {
  kind: 'exec' | 'attach';
  /** Which streams the CRI request asked for (the cached request defines the session, not the URL). */
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Labels for logs and metrics (container id, pod id). */
  containerId: string;
  /** Called once, when the client has connected and all expected streams exist. */
  start(): Promise<StreamProcess>;
}

export interface PortForwardSession {
  kind: 'portforward';
  podSandboxId: string;
  /** Ports from the CRI request (may be empty; SPDY clients name the port per stream). */
  ports: number[];
  /** Opens one TCP connection to `port` in the pod's network; rejects with a message for the client. */
  connect(port: number): Promise<Duplex>;
}

export type StreamSession = RemoteCommandSession | PortForwardSession;

/** What the runtime needs from the streaming server. */
export interface StreamingService {
  /**
   * Registers a session under a fresh single-use token and returns the absolute URL to hand back to the CRI client.
   * Throws RuntimeError('ResourceExhausted') when too many tokens are outstanding.
   */
  register(session: StreamSession): string;
}
