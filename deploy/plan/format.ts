/**
 * One action as one structured line, the dry-run output of every script:
 *   ACTION service.create name=wincri binPath="\"C:\\…\\node.exe\" …" start=auto
 * Values without spaces, quotes or `=` are bare; others are JSON strings. Dependency lists are joined with `/`
 * (as sc.exe writes them), other lists and maps are JSON. File contents are summarized (bytes and sha256).
 */
import { createHash } from 'node:crypto';
import type { Action, Plan } from './actions.js';

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function formatAction(a: Action): string {
  const parts = [`ACTION ${a.kind}`];
  for (const [k, v] of Object.entries(a)) {
    if (k === 'kind') continue;
    if (k === 'content' && typeof v === 'string') {
      parts.push(`bytes=${Buffer.byteLength(v)}`, `sha256=${createHash('sha256').update(v).digest('hex').slice(0, 16)}`);
    } else if ((k === 'depend' || k === 'add' || k === 'remove') && Array.isArray(v)) {
      parts.push(`${k}=${v.length ? v.join('/') : '/'}`);
    } else {
      parts.push(`${k}=${value(v)}`);
    }
  }
  return parts.join(' ');
}

export function formatPlan(p: Plan): string {
  const lines = p.actions.map(formatAction);
  if (p.rollback?.length) {
    lines.push(`ROLLBACK from=${p.rollbackFrom ?? 0}`);
    lines.push(...p.rollback.map(formatAction));
  }
  return lines.join('\n') + '\n';
}
