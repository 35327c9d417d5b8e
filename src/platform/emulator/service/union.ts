/**
 * The emulator's stand-in for a Windows storage filter (WCIFS) on a writable layer: the union of its parent layers
 * materialised once in `<writable>/Files` (a full copy, reflinked where the filesystem allows; correctness over
 * speed; tree-copy.ts). Made on the host when the storage filter is attached (storage.ts), or in a utility VM's guest when it
 * combines a hosted container's layers on its scratch disk (vm-combine.ts).
 */
import { rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep, normalize } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import { copyTree } from './tree-copy.js';

const MATERIALISED = '.wincri-materialised';
/** The virtual disk of a writable layer (an empty file in the emulator, whose layers are folders). */
export const WRITABLE_LAYER_DISK = 'sandbox.vhdx';

/** Parents top-most first, base last (LayerData order); applied bottom-up, each layer's whiteouts then its files. */
export async function materialiseUnion(op: string, layerPath: string, parents: readonly string[]): Promise<void> {
  const files = join(layerPath, 'Files');
  mkdirSync(files, { recursive: true });
  if (existsSync(join(layerPath, MATERIALISED))) return;
  for (const p of [...parents].reverse()) {
    const wo = join(p, 'whiteouts.json');
    if (existsSync(wo)) {
      for (const rel of readWhiteoutsText(op, readFileSync(wo, 'utf8'))) {
        const target = safeJoin(files, rel);
        if (target) await rm(target, { recursive: true, force: true });
      }
    }
    await copyTree(join(p, 'Files'), files);
  }
  writeFileSync(join(layerPath, MATERIALISED), JSON.stringify(parents));
}

export function readWhiteoutsText(op: string, text: string): string[] {
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, op, 'whiteouts.json is not valid JSON'); }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, op, 'whiteouts.json must be an array of strings');
  return v as string[];
}

/** Joins a Files-relative Windows or POSIX path under `root`, refusing escapes. */
function safeJoin(root: string, rel: string): string | undefined {
  const parts = rel.replace(/\\/g, '/').split('/').filter((x) => x && x !== '.');
  if (parts.some((x) => x === '..')) return undefined;
  if (parts.length === 0) return undefined;
  const p = normalize(join(root, ...parts));
  return p.startsWith(root + sep) ? p : undefined;
}
