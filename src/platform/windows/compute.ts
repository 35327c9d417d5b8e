/**
 * ComputeService over computecore.dll: compute systems and processes. Documents go in and out as the services'
 * own JSON; every failure is a PlatformError with the HRESULT and the operation's ResultError document.
 * System handles: compute-system.ts; process handles: compute-process.ts; their stdio pipes: compute-stdio.ts.
 */
import type { ComputeService, ComputeSystem } from '../types.js';
import type {
  ComputeSystemDoc, PropertiesDoc, SystemQueryDoc, ServicePropertiesDoc, ModificationRequestDoc, ServicePropertyQueryDoc,
} from '../hcs/schema/index.js';
import { SERVICE_BASIC_QUERY, serviceBasicProperties } from '../hcs/document/index.js';
import { callAsync, takeString, hcsError, failed, isNull, parseJson, GENERIC_ALL, type Bindings, type Pointer, type KFunc } from './ffi/index.js';
import type { HcsRuntime } from './operations.js';
import { WinSystem } from './compute-system.js';
import { json } from './compute-process.js';

export class WinCompute implements ComputeService {
  constructor(private readonly b: Bindings, private readonly rt: HcsRuntime) {}

  async createComputeSystem(id: string, document: ComputeSystemDoc): Promise<ComputeSystem> {
    const out: Pointer[] = [null];
    let sys: WinSystem | undefined;
    try {
      await this.rt.run('HcsCreateComputeSystem', (op) => {
        const hr = this.b.hcs.HcsCreateComputeSystem(id, json(document), op, null, out) as number;
        // The handle is returned at once; register the system callback before the creation completes.
        if (!failed(hr) && !isNull(out[0])) sys = new WinSystem(id, this.b, this.rt, out[0]);
        return hr;
      });
    } catch (e) {
      if (sys) sys.close();
      else if (!isNull(out[0])) void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, out[0], undefined);
      throw e;
    }
    return sys!;
  }

  async openComputeSystem(id: string): Promise<ComputeSystem> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsOpenComputeSystem, id, GENERIC_ALL, out);
    if (failed(hr)) throw hcsError(hr, 'HcsOpenComputeSystem');
    try {
      return new WinSystem(id, this.b, this.rt, out[0]);
    } catch (e) {
      void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, out[0], undefined);
      throw e;
    }
  }

  async enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    const r = await this.rt.run('HcsEnumerateComputeSystems', (op) => this.b.hcs.HcsEnumerateComputeSystems(json(query ?? {}), op) as number);
    return parseJson<PropertiesDoc[] | null>(r.document, 'HcsEnumerateComputeSystems', []) ?? [];
  }

  async getServiceProperties(): Promise<ServicePropertiesDoc> {
    const doc = await this.withResult('HcsGetServiceProperties', this.b.hcs.HcsGetServiceProperties, SERVICE_BASIC_QUERY);
    return serviceBasicProperties(parseJson<Parameters<typeof serviceBasicProperties>[0]>(doc, 'HcsGetServiceProperties'));
  }

  async queryServiceProperties(query: ServicePropertyQueryDoc): Promise<unknown[]> {
    const doc = await this.withResult('HcsGetServiceProperties', this.b.hcs.HcsGetServiceProperties, query);
    return parseJson<{ Properties?: unknown[] }>(doc, 'HcsGetServiceProperties').Properties ?? [];
  }

  /** Synchronous in computecore; the result string is an error document on failure. */
  async modifyServiceSettings(request: ModificationRequestDoc): Promise<void> {
    await this.withResult('HcsModifyServiceSettings', this.b.hcs.HcsModifyServiceSettings, request);
  }

  /**
   * A synchronous computecore call `name` taking `arg` as JSON and returning a string (freed with LocalFree): the
   * result document, or on failure the error document the thrown PlatformError carries.
   */
  private async withResult(name: string, f: KFunc, arg: unknown): Promise<string | undefined> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(f, json(arg), out);
    const doc = takeString(out[0], this.b.localFree);
    if (failed(hr)) throw hcsError(hr, name, doc);
    return doc;
  }

  /** Synchronous in computecore; no result document. */
  async grantVmAccess(vmId: string, filePath: string): Promise<void> {
    const hr = await callAsync<number>(this.b.hcs.HcsGrantVmAccess, vmId, filePath);
    if (failed(hr)) throw hcsError(hr, 'HcsGrantVmAccess', undefined);
  }

  async close(): Promise<void> { /* handles are closed by their owners; the runtime waits for closes on dispose */ }
}
