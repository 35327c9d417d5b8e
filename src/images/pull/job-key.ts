/**
 * Which pulls are the same pull, so that one job serves them all (puller.ts): the same image name (normalised:
 * `busybox` and `docker.io/library/busybox:latest` are one), the same isolation (it picks the manifest from an
 * index), and the same endpoints reached with the same credentials, in the same order. Credentials count only
 * where they apply: two anonymous pulls that differ in a `server_address` naming no mirror do the same requests and
 * share a job; pulls with different credentials for an endpoint never do (one must not get an image through the
 * other's credentials). Secrets enter the key only hashed (credentialKey).
 */
import { credentialKey } from './auth.js';
import type { Endpoint } from './endpoints.js';
import type { Isolation } from './platform-select.js';

export function pullJobKey(name: string, isolation: Isolation, eps: readonly Endpoint[]): string {
  return JSON.stringify([name, isolation, eps.map((e) => [e.base, e.insecure, e.creds ? credentialKey(e.creds) : ''])]);
}
