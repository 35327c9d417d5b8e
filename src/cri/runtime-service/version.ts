import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';

/** kubelet requires version "0.1.0" and all four fields non-empty. */
export async function version(_req: T.VersionRequest__Output, ctx: CriContext): Promise<T.VersionResponse> {
  return { version: '0.1.0', runtimeName: ctx.runtimeName, runtimeVersion: ctx.runtimeVersion, runtimeApiVersion: 'v1' };
}
