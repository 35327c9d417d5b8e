/**
 * A look inside a running node process without changing how it was started: SIGUSR1 makes node open its inspector
 * (127.0.0.1:9229; run inside a private network namespace, bench/isolated.sh, so nothing else holds the
 * port), and the DevTools protocol then evaluates expressions in it. Used by the soak (`--heap-of`) to sample
 * process.memoryUsage() and write heap snapshots. One inspected process at a time (one port).
 */
import WebSocket from 'ws';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HeapFigures { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }

interface Answer { id?: number; result?: { result?: { value?: unknown } }; error?: { message: string } }

export class Inspected {
  private id = 0;
  private readonly pending = new Map<number, (v: Answer) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (m) => {
      const x = JSON.parse(String(m)) as Answer;
      const done = x.id !== undefined ? this.pending.get(x.id) : undefined;
      if (done) { this.pending.delete(x.id!); done(x); }
    });
  }

  static async open(pid: number, port = 9229): Promise<Inspected> {
    process.kill(pid, 'SIGUSR1');
    for (let i = 0; ; i++) {
      try {
        const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as { webSocketDebuggerUrl: string }[];
        const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
        await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
        return new Inspected(ws);
      } catch (e) {
        if (i >= 100) throw new Error(`inspector of pid ${pid} did not open on port ${port}: ${(e as Error).message}`);
        await sleep(100);
      }
    }
  }

  /** The value of a JS expression evaluated in the process (`require` is available: the console's API). */
  evaluate<T>(expression: string): Promise<T> {
    const id = ++this.id;
    return new Promise((res, rej) => {
      this.pending.set(id, (x) => (x.error ? rej(new Error(x.error.message)) : res(x.result?.result?.value as T)));
      this.ws.send(JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression, includeCommandLineAPI: true, returnByValue: true } }));
    });
  }

  heap(): Promise<HeapFigures> {
    return this.evaluate<HeapFigures>('process.memoryUsage()');
  }

  /** Writes a heap snapshot (after V8's full GC) to `path`, from inside the process. */
  snapshot(path: string): Promise<string> {
    return this.evaluate<string>(`require('v8').writeHeapSnapshot(${JSON.stringify(path)})`);
  }

  /** Closes the inspector in the process (the port is free again) and the connection. */
  async close(): Promise<void> {
    // The answer may never come (the session ends with the inspector): do not wait for it.
    void this.evaluate("require('inspector').close()").catch(() => undefined);
    await sleep(200);
    this.ws.close();
  }
}
