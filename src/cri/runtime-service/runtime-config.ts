import type * as T from '../generated/index.js';

/** Only a Linux cgroup driver is defined by CRI; a Windows runtime answers with no linux section. */
export async function runtimeConfig(_req: T.RuntimeConfigRequest__Output): Promise<T.RuntimeConfigResponse> {
  return { linux: null };
}
