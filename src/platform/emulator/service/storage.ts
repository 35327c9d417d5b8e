/**
 * Layer storage (computestorage) on Linux: layers are directory trees.
 *   <layer>/Files/            the layer's C:\ contents
 *   <layer>/Hives/, UtilityVM/ carried along untouched
 *   <layer>/whiteouts.json     Files-relative paths this layer deletes from the layers below it
 * An import is durable when it returns (one syncfs for the whole layer: sync-fs.ts).
 * A writable (scratch) layer has its virtual disk `sandbox.vhdx` (an empty stand-in), gets the materialised union of
 * its parents in <writable>/Files when the storage filter is attached (union.ts), and a volume `\\?\Volume{guid}\`
 * that compute-system documents name in Container.Storage.Path and the service resolves back to <writable>/Files.
 */
import { mkdir, readFile, rm, stat, readdir, writeFile, access } from 'node:fs/promises';
import { existsSync, lstatSync, mkdirSync, writeFileSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, isAbsolute } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import { LayerData, type LayerDataDoc } from '../../hcs/schema/index.js';
import { validate } from '../../schema.js';
import type { Persister } from './persist.js';
import { CREATE_CONTAINER_DIRECTORY, containerPathSegments, createDirectoryChain } from '../../container-path.js';
import { materialiseUnion, readWhiteoutsText, WRITABLE_LAYER_DISK } from './union.js';
import { importTree } from './import-tree.js';
import { PendingRecords } from './pending-records.js';
import { measureLayer } from './layer-size.js';
import { syncFileSystem } from './sync-fs.js';

const LAYERDATA = 'layerdata.json';
const SANDBOX_SIZE = 'sandbox.size';
const DEFAULT_SANDBOX_SIZE = 20 * 1024 ** 3;

interface VolumeRecord { guid: string; layerPath: string; layers: string[] }

export function parseLayerData(op: string, text: unknown): LayerDataDoc {
  let doc: unknown = text;
  if (typeof text === 'string') {
    try { doc = text.trim() === '' ? {} : JSON.parse(text); } catch (e) {
      throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `LayerData is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (doc === undefined || doc === null) doc = {};
  const r = validate(LayerData, doc);
  if (!r.ok) throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `${r.problem.path}: ${r.problem.message}`, { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: r.problem.message, Path: r.problem.path });
  return r.value;
}

function checkPath(op: string, p: unknown, what: string): string {
  if (typeof p !== 'string' || p === '' || !isAbsolute(p)) throw new PlatformError(HRESULT.E_INVALIDARG, op, `${what} must be an absolute path`);
  return resolve(p);
}

async function exists(p: string): Promise<boolean> {
  try { await access(p); return true; } catch { return false; }
}

/** Deterministic volume GUID for a writable layer path (so a re-attach yields the same volume). */
function volumeGuid(layerPath: string): string {
  const h = createHash('sha1').update('wincri-volume:' + layerPath).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export function volumePathOf(guid: string): string { return `\\\\?\\Volume{${guid}}\\`; }
const VOLUME_RE = /^\\\\\?\\Volume\{([0-9a-fA-F-]{36})\}\\?$/;

export class StorageEmulator {
  private volumes = new Map<string, VolumeRecord>(); // guid → record

  /** Set by the service: which compute system holds a layer folder (layer-use.ts). */
  layerHolder: (layerPath: string) => string | undefined = () => undefined;

  constructor(private readonly persist: Persister) {}

  async load(): Promise<void> {
    const recs = await this.persist.load<VolumeRecord[]>('volumes');
    for (const r of recs ?? []) this.volumes.set(r.guid.toLowerCase(), r);
  }
  private save(): Promise<void> { return this.persist.save('volumes', () => [...this.volumes.values()]); }
  private trySave(): Promise<boolean> { return this.persist.trySave('volumes', () => [...this.volumes.values()]); }

  async importLayer(layerPathIn: unknown, sourceIn: unknown, layerDataText: unknown): Promise<void> {
    const op = 'HcsImportLayer';
    const layerPath = checkPath(op, layerPathIn, 'layerPath');
    const source = checkPath(op, sourceIn, 'sourceFolderPath');
    parseLayerData(op, layerDataText);
    const st = await stat(join(source, 'Files')).catch(() => undefined);
    if (!st?.isDirectory()) throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, op, `${source} has no Files directory`);
    const wo = join(source, 'whiteouts.json');
    if (await exists(wo)) readWhiteoutsText(op, await readFile(wo, 'utf8'));
    await mkdir(layerPath, { recursive: true });
    for (const e of await readdir(source)) await importTree(join(source, e), join(layerPath, e));
    try {
      await syncFileSystem(layerPath);
    } catch (e) {
      throw new PlatformError(HRESULT.E_FAIL, op, `the imported layer ${layerPath} could not be flushed to disk: ${(e as Error).message}`);
    }
  }

  /** Refused while the layer is in use (layer-use.ts: mounted, a running system's C:\, a disk attached to a VM). */
  async destroyLayer(layerPathIn: unknown): Promise<void> {
    const op = 'HcsDestroyLayer';
    const layerPath = checkPath(op, layerPathIn, 'layerPath');
    const volume = [...this.volumes.values()].find((v) => v.layerPath === layerPath);
    const held = volume ? `its storage filter is attached (volume ${volumePathOf(volume.guid)}); detach it first` : this.layerHolder(layerPath);
    if (held) throw new PlatformError(HRESULT.ERROR_SHARING_VIOLATION, op, `layer ${layerPath} is in use: ${held}`);
    await rm(layerPath, { recursive: true, force: true });
  }

  async initializeWritableLayer(layerPathIn: unknown, layerDataText: unknown): Promise<void> {
    const op = 'HcsInitializeWritableLayer';
    const layerPath = checkPath(op, layerPathIn, 'writableLayerPath');
    const ld = parseLayerData(op, layerDataText);
    this.checkParents(op, ld);
    // A few metadata calls: made synchronously, as a thread-pool round trip each would cost more than the calls.
    mkdirSync(join(layerPath, 'Files'), { recursive: true });
    writeFileSync(join(layerPath, LAYERDATA), JSON.stringify(ld));
    // The writable layer's virtual disk, as Windows makes it: what a utility VM is granted and attaches over SCSI.
    writeFileSync(join(layerPath, WRITABLE_LAYER_DISK), '');
  }

  /**
   * ExpandSandboxSize: the layer's virtual disk grows to at least `size` (never shrinks); the emulator's layers are
   * directories, so the size is recorded in <layer>/sandbox.size (Windows' default scratch is 20 GB) and not enforced.
   */
  async expandWritableLayer(layerPathIn: unknown, size: unknown): Promise<void> {
    const op = 'ExpandSandboxSize';
    const layerPath = checkPath(op, layerPathIn, 'path');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'size must be a positive integer');
    if (!(await exists(join(layerPath, LAYERDATA)))) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${layerPath} is not an initialized writable layer`);
    const current = await this.sandboxSize(layerPath);
    await writeFile(join(layerPath, SANDBOX_SIZE), String(Math.max(current, size)));
  }
  async sandboxSize(layerPath: string): Promise<number> {
    return Number(await readFile(join(layerPath, SANDBOX_SIZE), 'utf8').catch(() => '')) || DEFAULT_SANDBOX_SIZE;
  }

  private checkParents(op: string, ld: LayerDataDoc): string[] {
    const paths: string[] = [];
    for (const [i, l] of (ld.Layers ?? []).entries()) {
      if (!l.Path || !isAbsolute(l.Path)) throw new PlatformError(HRESULT.E_INVALIDARG, op, `Layers[${i}].Path must be an absolute path`);
      // Not followed if a link: the union copies a layer's Files as the directory it must be (tree-copy.ts).
      let st: Stats | undefined;
      try { st = lstatSync(join(l.Path, 'Files'), { throwIfNoEntry: false }); } catch { /* unreadable: no layer */ }
      if (!st?.isDirectory()) throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, op, `Layers[${i}]: ${l.Path} is not a layer (no Files directory)`);
      paths.push(resolve(l.Path));
    }
    return paths;
  }

  /** Volume record writes of attachments made with `recordLater` (by volume GUID). */
  private readonly recording = new PendingRecords();

  /** `recordLater`: answers before the volume record is on disk (layerRecorded waits for it). */
  async attachLayerStorageFilter(layerPathIn: unknown, layerDataText: unknown, recordLater = false): Promise<void> {
    const op = 'HcsAttachLayerStorageFilter';
    const layerPath = checkPath(op, layerPathIn, 'layerPath');
    const ld = parseLayerData(op, layerDataText);
    const parents = this.checkParents(op, ld);
    if (!existsSync(layerPath)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${layerPath} does not exist`);
    await materialiseUnion(op, layerPath, parents);
    const guid = volumeGuid(layerPath);
    this.volumes.set(guid, { guid, layerPath, layers: parents });
    await this.recording.track(guid, this.trySave(), recordLater, 'HcsAttachLayerStorageFilter');
  }

  /** Resolves once the attachment of a layer attached with `recordLater` is on disk; refused for a layer not attached. */
  async layerRecorded(layerPathIn: unknown): Promise<void> {
    const op = 'LayerRecorded';
    const guid = volumeGuid(checkPath(op, layerPathIn, 'layerPath'));
    if (!this.volumes.has(guid)) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `no storage filter is attached to ${String(layerPathIn)}`);
    await this.recording.wait(guid);
  }

  async detachLayerStorageFilter(layerPathIn: unknown): Promise<void> {
    const layerPath = checkPath('HcsDetachLayerStorageFilter', layerPathIn, 'layerPath');
    const guid = volumeGuid(layerPath);
    if (this.volumes.delete(guid)) await this.save();
  }

  /** The volume path for an attached writable layer; for any other layer its folder path (as GetLayerMountPath). */
  async getLayerMountPath(layerPathIn: unknown): Promise<string> {
    const op = 'GetLayerMountPath';
    const layerPath = checkPath(op, layerPathIn, 'layerPath');
    const guid = volumeGuid(layerPath);
    if (this.volumes.has(guid)) return volumePathOf(guid);
    if (!existsSync(layerPath)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${layerPath} does not exist`);
    return layerPath;
  }

  /** A directory in the container's C:\ (the writable layer's Files directory behind its volume path). */
  async createContainerDirectory(mountPathIn: unknown, pathIn: unknown): Promise<void> {
    const op = CREATE_CONTAINER_DIRECTORY;
    if (typeof mountPathIn !== 'string' || !mountPathIn) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'mountPath must be a volume path or a folder');
    if (typeof pathIn !== 'string') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'path must be a string');
    const mountPath = mountPathIn;
    const segments = containerPathSegments(pathIn);
    if (!segments || segments.length === 0) return;
    await createDirectoryChain(this.resolveStoragePath(op, mountPath), segments, join, pathIn);
  }

  /** Resolves Container.Storage.Path (a volume path or a host folder) to the directory serving as C:\. */
  resolveStoragePath(op: string, p: string): string {
    const m = VOLUME_RE.exec(p);
    if (m) {
      const v = this.volumes.get(m[1]!.toLowerCase());
      if (!v) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `volume ${p} does not exist`);
      return join(v.layerPath, 'Files');
    }
    if (isAbsolute(p)) return resolve(p);
    throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `storage path ${p} is neither a volume nor an absolute path`);
  }

  async layerUsage(layerPathIn: unknown): Promise<{ usedBytes: number; inodesUsed: number }> {
    const layerPath = checkPath('layerUsage', layerPathIn, 'layerPath');
    if (!(await exists(layerPath))) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, 'layerUsage', `${layerPath} does not exist`);
    return measureLayer(layerPath);
  }
}
