import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';

/** One answer per context, the same object each time: its encoding is kept (../stable-responses.ts). */
const answers = new WeakMap<CriContext, T.VersionResponse>();

/** Answered synchronously (a lean method, ../method-classes.ts). kubelet requires version "0.1.0" and all four fields non-empty. */
export function version(_req: T.VersionRequest__Output, ctx: CriContext): T.VersionResponse {
  let res = answers.get(ctx);
  if (!res) answers.set(ctx, (res = Object.freeze({ version: '0.1.0', runtimeName: ctx.runtimeName, runtimeVersion: ctx.runtimeVersion, runtimeApiVersion: 'v1' })));
  return res;
}
