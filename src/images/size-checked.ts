/** A layer download held to its descriptor's size: refused as soon as the registry sends more, or when it ends short. */
import { invalidArgument } from '../errors.js';

/** `source` yields batches of chunks (pull/body-batches.ts); so does the result. */
export async function* sizeChecked(source: AsyncIterable<Buffer[]>, desc: { digest: string; size: number }, onMismatch?: (e: Error) => void): AsyncGenerator<Buffer[]> {
  const fail = (msg: string) => { const e = invalidArgument(`layer ${desc.digest}: ${msg}`); onMismatch?.(e); return e; };
  let size = 0;
  for await (const batch of source) {
    for (const c of batch) size += c.length;
    if (size > desc.size) throw fail(`the registry sent more than the expected ${desc.size} bytes`);
    yield batch;
  }
  if (size !== desc.size) throw fail(`size mismatch: expected ${desc.size} bytes, received ${size}`);
}
