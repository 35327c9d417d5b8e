/** A layer download held to its descriptor's size: refused as soon as the registry sends more, or when it ends short. */
import { invalidArgument } from '../errors.js';

export async function* sizeChecked(source: AsyncIterable<Buffer>, desc: { digest: string; size: number }, onMismatch?: (e: Error) => void): AsyncGenerator<Buffer> {
  const fail = (msg: string) => { const e = invalidArgument(`layer ${desc.digest}: ${msg}`); onMismatch?.(e); return e; };
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > desc.size) throw fail(`the registry sent more than the expected ${desc.size} bytes`);
    yield chunk;
  }
  if (size !== desc.size) throw fail(`size mismatch: expected ${desc.size} bytes, received ${size}`);
}
