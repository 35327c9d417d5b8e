/** The HPACK index address space: static table then dynamic table, with size-based eviction (RFC 7541 §2.3, §4). */
import { H2ProtocolError } from './errors.js';
import { STATIC, type Field } from './hpack-static.js';

export const ENTRY_OVERHEAD = 32;

export function entrySize(name: string, value: string): number { return name.length + value.length + ENTRY_OVERHEAD; }

export class DynamicTable {
  /** Newest first: entries[0] is index 62. */
  private entries: Field[] = [];
  size = 0;

  constructor(public maxSize = 4096) {}

  get length(): number { return this.entries.length; }

  setMaxSize(n: number): void {
    this.maxSize = n;
    this.evict(0);
  }

  add(name: string, value: string): void {
    const s = entrySize(name, value);
    this.evict(s);
    // An entry larger than the table empties it and is not added (§4.4).
    if (s <= this.maxSize) { this.entries.unshift([name, value]); this.size += s; }
  }

  /** The field at a combined index (1-based; static first). */
  get(index: number): Field {
    if (index >= 1 && index <= STATIC.length) return STATIC[index - 1]!;
    const e = this.entries[index - STATIC.length - 1];
    if (index < 1 || !e) throw new H2ProtocolError(`header index ${index} out of range`);
    return e;
  }

  /** Combined index of an exact match and of a name match (0 when none); static entries preferred. */
  find(name: string, value: string): { field: number; name: number } {
    let nameIdx = 0;
    for (let i = 0; i < this.entries.length; i++) {
      const [n, v] = this.entries[i]!;
      if (n !== name) continue;
      if (v === value) return { field: i + STATIC.length + 1, name: i + STATIC.length + 1 };
      if (nameIdx === 0) nameIdx = i + STATIC.length + 1;
    }
    return { field: 0, name: nameIdx };
  }

  private evict(room: number): void {
    while (this.entries.length > 0 && this.size + room > this.maxSize) {
      const [n, v] = this.entries.pop()!;
      this.size -= entrySize(n, v);
    }
  }
}
