/**
 * Responses that do not change between calls (Version answers from configuration alone) are encoded once: their
 * handlers return the same object every time, and the method's serializer keeps the bytes of the last object it
 * encoded, by identity. A new object (another context, a changed answer) is simply encoded again.
 */
import type * as grpc from '@grpc/grpc-js';

export function withStableResponses(def: grpc.ServiceDefinition, methods: readonly string[]): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...def };
  for (const m of methods) {
    const orig = def[m]!;
    let last: { value: unknown; bytes: Buffer } | undefined;
    out[m] = {
      ...orig,
      responseSerialize: (v: unknown) => {
        const hit = last && last.value === v ? last : (last = { value: v, bytes: orig.responseSerialize(v) });
        return hit.bytes;
      },
    };
  }
  return out as grpc.ServiceDefinition;
}
