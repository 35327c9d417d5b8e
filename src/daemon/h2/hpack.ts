/**
 * HPACK header block decoder and encoder (RFC 7541). Names and values are latin1 strings (one char per byte).
 * Each decoded field keeps how it was represented, so a block can be re-encoded faithfully: never-indexed fields
 * must stay never-indexed (§7.1.3).
 */
import { H2ProtocolError } from './errors.js';
import { readInt, readString, writeInt, writeString, type Cursor } from './hpack-primitives.js';
import { staticFieldIndex, staticNameIndex } from './hpack-static.js';
import { DynamicTable } from './hpack-table.js';

/** indexed §6.1; literal with incremental indexing §6.2.1; without indexing §6.2.2; never indexed §6.2.3. */
export type Representation = 'indexed' | 'incremental' | 'without' | 'never';
export interface HeaderField { name: string; value: string; rep: Representation }

export class HpackDecoder {
  readonly table: DynamicTable;

  /** `limit`: the largest dynamic table size an encoder may ask for (the decoder side's SETTINGS_HEADER_TABLE_SIZE). */
  constructor(private readonly limit = 4096) { this.table = new DynamicTable(Math.min(4096, limit)); }

  decode(block: Buffer): HeaderField[] {
    const c: Cursor = { buf: block, pos: 0 };
    const out: HeaderField[] = [];
    while (c.pos < block.length) {
      const b = block[c.pos]!;
      if (b & 0x80) {
        const idx = readInt(c, 7);
        if (idx === 0) throw new H2ProtocolError('indexed header field with index 0');
        const [name, value] = this.table.get(idx);
        out.push({ name, value, rep: 'indexed' });
      } else if (b & 0x40) {
        const f = this.literal(c, 6, 'incremental');
        this.table.add(f.name, f.value);
        out.push(f);
      } else if (b & 0x20) {
        // Dynamic table size updates belong at the start of a block (§4.2).
        if (out.length > 0) throw new H2ProtocolError('dynamic table size update after a header field');
        const size = readInt(c, 5);
        if (size > this.limit) throw new H2ProtocolError(`dynamic table size update ${size} above the limit ${this.limit}`);
        this.table.setMaxSize(size);
      } else {
        out.push(this.literal(c, 4, b & 0x10 ? 'never' : 'without'));
      }
    }
    return out;
  }

  private literal(c: Cursor, prefix: number, rep: Representation): HeaderField {
    const idx = readInt(c, prefix);
    const name = idx === 0 ? readString(c) : this.table.get(idx)[0];
    return { name, value: readString(c), rep };
  }
}

/**
 * A compressing encoder: exact matches become indexed fields, everything else a literal with incremental indexing
 * (name indexed when known) — the strategy of the RFC 7541 Appendix C examples.
 */
export class HpackEncoder {
  readonly table: DynamicTable;
  private pendingSizes: number[] = [];

  constructor(private readonly opts: { huffman?: boolean; tableSize?: number } = {}) {
    this.table = new DynamicTable(opts.tableSize ?? 4096);
  }

  /** Announces a new table size at the start of the next block. */
  setTableSize(n: number): void { this.pendingSizes.push(n); }

  encode(fields: readonly (readonly [string, string])[]): Buffer {
    const out: number[] = [];
    for (const n of this.pendingSizes.splice(0)) { writeInt(out, 0x20, 5, n); this.table.setMaxSize(n); }
    for (const [name, value] of fields) {
      const hit = staticFieldIndex(name, value) || this.table.find(name, value).field;
      if (hit) { writeInt(out, 0x80, 7, hit); continue; }
      const nameIdx = staticNameIndex(name) || this.table.find(name, value).name;
      writeInt(out, 0x40, 6, nameIdx);
      if (!nameIdx) writeString(out, name, !!this.opts.huffman);
      writeString(out, value, !!this.opts.huffman);
      this.table.add(name, value);
    }
    return Buffer.from(out);
  }
}

/**
 * Encodes fields without touching the peer's dynamic table: each one a literal without indexing (never-indexed
 * ones stay never-indexed), its name indexed from the static table when it is there, strings as plain octets.
 */
export function encodeLiterals(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const f of fields) {
    const nameIdx = staticNameIndex(f.name);
    writeInt(out, f.rep === 'never' ? 0x10 : 0x00, 4, nameIdx);
    if (!nameIdx) writeString(out, f.name, false);
    writeString(out, f.value, false);
  }
  return Buffer.from(out);
}
