import type * as T from '../generated/index.js';

const ANSWER: T.RuntimeConfigResponse = Object.freeze({ linux: null });

/**
 * Only a Linux cgroup driver is defined by CRI; a Windows runtime answers with no linux section. Answered
 * synchronously, the same object each time (a lean method with a stable response, ../method-classes.ts).
 */
export function runtimeConfig(_req: T.RuntimeConfigRequest__Output): T.RuntimeConfigResponse {
  return ANSWER;
}
