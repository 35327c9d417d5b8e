/**
 * A tiny seeded mutation fuzzer. Each iteration derives its input from (seed, iteration) alone, so a failure is
 * reproduced by its seed and iteration whatever the time budget. CI runs a few seconds per target;
 * WINCRI_FUZZ_SECONDS=600 runs long by hand, WINCRI_FUZZ_SEED=<n> picks another seed.
 */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 0x9e3779b9; }
  /** xorshift32 */
  next(): number { let x = this.s; x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; this.s = x; return x; }
  int(n: number): number { return n <= 0 ? 0 : this.next() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  chance(p: number): boolean { return this.next() / 0x100000000 < p; }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x30, 0x20, 0x0a, 0x2f, 0x2e];

/** One to a few byte-level mutations of `input` (flip, set, insert, delete, duplicate, splice, truncate). */
export function mutateBytes(input: Buffer, rng: Rng, corpus: readonly Buffer[] = []): Buffer {
  let b = Buffer.from(input);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(Math.max(1, b.length));
    switch (rng.int(8)) {
      case 0: if (b.length) b[at] = b[at]! ^ (1 << rng.int(8)); break;
      case 1: if (b.length) b[at] = rng.pick(INTERESTING); break;
      case 2: b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.int(8) }, () => rng.int(256))), b.subarray(at)]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(16))]); break;
      case 4: { const len = 1 + rng.int(64); b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); break; }
      case 5: { const other = corpus.length ? rng.pick(corpus) : b; const from = rng.int(Math.max(1, other.length)); b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + rng.int(512))]); break; }
      case 6: b = b.subarray(0, at); break;
      default: if (b.length >= 4) b.writeUInt32LE(rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, b.length]), Math.min(at, b.length - 4)); break;
    }
  }
  return b;
}

const WEIRD: unknown[] = [null, true, -1, 0, 1e308, -0, 2 ** 53, '', 'x'.repeat(1000), '../..', '\u0000', [], {}, [[[[]]]], { __proto__: { a: 1 } }, 'NaN'];

/** A structural mutation of a JSON value: replace, delete or add a member somewhere in it. */
export function mutateJson(v: unknown, rng: Rng, depth = 0): unknown {
  if (depth > 0 && rng.chance(0.25)) return rng.pick(WEIRD);
  if (Array.isArray(v)) {
    const a = [...v];
    if (a.length && rng.chance(0.6)) { const i = rng.int(a.length); a[i] = mutateJson(a[i], rng, depth + 1); } else if (rng.chance(0.5)) a.splice(rng.int(a.length + 1), 0, rng.pick(WEIRD)); else a.pop();
    return a;
  }
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const r = rng.int(10);
    if (keys.length && r < 6) { const k = rng.pick(keys); o[k] = mutateJson(o[k], rng, depth + 1); } else if (keys.length && r < 8) delete o[rng.pick(keys)]; else o[rng.pick(['Id', 'ID', 'x', ...keys])] = rng.pick(WEIRD);
    return o;
  }
  if (typeof v === 'string') return rng.pick([v + '\u0000', v.slice(0, rng.int(v.length + 1)), v.repeat(3), '..', '-1', v.toUpperCase()]);
  if (typeof v === 'number') return rng.pick([-v, v * 1e9, NaN, Infinity, v + 0.5, -1]);
  return rng.pick(WEIRD);
}

export interface FuzzOptions<T> {
  name: string;
  /** Seed inputs (valid examples). */
  corpus: readonly T[];
  mutate: (input: T, rng: Rng, corpus: readonly T[]) => T;
  /** Must resolve, or reject with an expected error (`expected` returns true); anything else is a finding. */
  target: (input: T) => unknown;
  expected: (e: unknown) => boolean;
  seconds?: number;
  maxIterations?: number;
  /** One input may take at most this long (a hang is a finding). */
  hangMs?: number;
  show?: (input: T) => string;
}

export interface FuzzReport { iterations: number; seed: number; failures: string[] }

export async function fuzz<T>(o: FuzzOptions<T>): Promise<FuzzReport> {
  const seed = Number(process.env.WINCRI_FUZZ_SEED ?? 1);
  const seconds = Number(process.env.WINCRI_FUZZ_SECONDS ?? o.seconds ?? 5);
  const end = Date.now() + seconds * 1000;
  const failures: string[] = [];
  let i = 0;
  for (; Date.now() < end && i < (o.maxIterations ?? Infinity) && failures.length < 5; i++) {
    const rng = new Rng(seed * 1_000_003 + i);
    const input = o.mutate(rng.pick(o.corpus), rng, o.corpus);
    let timer: NodeJS.Timeout | undefined;
    try {
      const hang = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: no answer within ${o.hangMs ?? 10_000} ms`)), o.hangMs ?? 10_000); });
      await Promise.race([Promise.resolve().then(() => o.target(input)), hang]);
    } catch (e) {
      if (!o.expected(e)) failures.push(`${o.name} seed ${seed} iteration ${i}: ${(e as Error)?.stack ?? String(e)}\ninput: ${(o.show ?? ((x) => JSON.stringify(x)?.slice(0, 2000)))(input)}`);
    } finally { clearTimeout(timer); }
  }
  return { iterations: i, seed, failures };
}
