/** Parsing and validation of HCS documents as computecore does it: HCS_E_INVALID_JSON with the offending path. */
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import type { ProcessorDoc, ContainerDoc } from '../../hcs/schema/index.js';
import { pipeNameOf } from '../../host-path.js';

export function parseDoc<T>(schema: Schema<T>, op: string, text: unknown, emptyOk: boolean): T {
  let doc: unknown = text;
  if (typeof text === 'string') {
    if (text.trim() === '') {
      if (!emptyOk) throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, 'empty document');
      doc = {};
    } else {
      try { doc = JSON.parse(text); } catch (e) {
        throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `not valid JSON: ${(e as Error).message}`,
          { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: (e as Error).message });
      }
    }
  }
  if (doc === undefined || doc === null) {
    if (!emptyOk) throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, 'missing document');
    doc = {};
  }
  const r = validate(schema, doc);
  if (!r.ok) {
    throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `${r.problem.path}: ${r.problem.message}`,
      { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: `${r.problem.path}: ${r.problem.message}`, Path: r.problem.path });
  }
  return r.value;
}

export function invalid(op: string, path: string, message: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `${path}: ${message}`,
    { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: `${path}: ${message}`, Path: path });
}

export function checkProcessor(op: string, p: ProcessorDoc | undefined, path: string): void {
  if (!p) return;
  const set = (['Count', 'Maximum', 'Weight'] as const).filter((k) => p[k] !== undefined && p[k] !== null && p[k] !== 0);
  if (set.length > 1) throw invalid(op, path, `Processor ${set.join(', ')} are mutually exclusive`);
  if (p.Maximum !== undefined && (p.Maximum < 0 || p.Maximum > 10000)) throw invalid(op, `${path}.Maximum`, 'must be within 0..10000');
  if (p.Weight !== undefined && (p.Weight < 0 || p.Weight > 10000)) throw invalid(op, `${path}.Weight`, 'must be within 0..10000');
  if (p.Count !== undefined && p.Count < 0) throw invalid(op, `${path}.Count`, 'must not be negative');
}


const GUID = /^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$/;

/** AssignedDevices and MappedPipes as HCS checks them (schema2 device.go pattern; pipes need a name and a host pipe). */
export function checkDevicesAndPipes(op: string, c: ContainerDoc | undefined, path: string): void {
  for (const [i, d] of (c?.AssignedDevices ?? []).entries()) {
    const p = `${path}.AssignedDevices[${i}]`;
    if (d.Type === 'ClassGuid' && !GUID.test(d.InterfaceClassGuid ?? '')) throw invalid(op, `${p}.InterfaceClassGuid`, 'a GUID is required for Type ClassGuid');
    if (d.Type === 'DeviceInstance' && !d.LocationPath) throw invalid(op, `${p}.LocationPath`, 'is required for Type DeviceInstance');
    if (!d.Type) throw invalid(op, `${p}.Type`, 'is required');
  }
  for (const [i, m] of (c?.MappedPipes ?? []).entries()) {
    const p = `${path}.MappedPipes[${i}]`;
    if (!m.ContainerPipeName || /[\\/]/.test(m.ContainerPipeName)) throw invalid(op, `${p}.ContainerPipeName`, 'a pipe name without \\\\.\\pipe\\ is required');
    // A file under C:\run\pipe stands for it (pipes.ts): `.` and `..` would name that directory or its parent.
    if (/^\.+$/.test(m.ContainerPipeName)) throw invalid(op, `${p}.ContainerPipeName`, `"${m.ContainerPipeName}" is not a pipe name`);
    if ((m.HostPathType ?? 'AbsolutePath') === 'AbsolutePath' && pipeNameOf(m.HostPath ?? '') === undefined) {
      throw invalid(op, `${p}.HostPath`, 'must name a local named pipe (\\\\.\\pipe\\name)');
    }
  }
}
