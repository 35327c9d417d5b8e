/**
 * Terminal size messages on the resize stream/channel: a sequence of JSON objects {"Width":n,"Height":n}
 * (newline-separated in practice; any concatenation is accepted, as Go's json.Decoder does). Keys match
 * case-insensitively like Go's struct decoding; values must be integers 0–65535; sizes below 1 are dropped.
 */
export interface TermSize { width: number; height: number }

const MAX_PENDING = 4096;

export class ResizeDecoder {
  private pending = '';

  /** Feeds text; returns the complete sizes it finished. Throws on malformed input (the caller stops listening). */
  push(text: string): TermSize[] {
    this.pending += text;
    const out: TermSize[] = [];
    for (;;) {
      const end = objectEnd(this.pending);
      if (end < 0) break;
      const size = parseSize(this.pending.slice(0, end));
      this.pending = this.pending.slice(end);
      if (size && size.width >= 1 && size.height >= 1) out.push(size);
    }
    if (this.pending.trim() === '') this.pending = '';
    if (this.pending.length > MAX_PENDING) throw new Error('resize message too long');
    return out;
  }
}

export function parseSize(json: string): TermSize | undefined {
  const v: unknown = JSON.parse(json);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`resize message is not an object: ${json.trim()}`);
  let width = 0;
  let height = 0;
  for (const [k, x] of Object.entries(v)) {
    const key = k.toLowerCase();
    if (key !== 'width' && key !== 'height') continue;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0xffff) throw new Error(`resize ${k} must be an integer 0-65535`);
    if (key === 'width') width = x; else height = x;
  }
  return { width, height };
}

/** Index just past the first complete top-level JSON value in `s` (leading whitespace allowed), or -1. */
function objectEnd(s: string): number {
  let depth = 0;
  let inString = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') { depth++; started = true; }
    else if (c === '}' || c === ']') { depth--; if (depth === 0 && started) return i + 1; }
    else if (!started && !/\s/.test(c)) throw new Error(`resize message must be a JSON object, got ${JSON.stringify(s.slice(i, i + 20))}`);
  }
  return -1;
}
