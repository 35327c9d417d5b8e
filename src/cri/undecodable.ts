/**
 * A request that is not a valid protobuf message of its type is the caller's mistake: grpc-js answers Internal
 * for it ("Error deserializing request"). Wrapping each method's deserializer turns the failure into a marker
 * the handler edge (./handler.ts) answers with InvalidArgument naming the message type.
 */
import type * as grpc from '@grpc/grpc-js';
import { invalidArgument } from '../errors.js';

const UNDECODABLE = Symbol('undecodable request');
interface Undecodable { [UNDECODABLE]: string }

export function decodingService(def: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(def)) {
    out[name] = {
      ...m,
      requestDeserialize: (b: Buffer) => {
        try { return m.requestDeserialize(b); } catch (e) {
          return { [UNDECODABLE]: `the request is not a valid ${name}Request message (${(e as Error).message}); check the client's CRI API version` } satisfies Undecodable;
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/** The InvalidArgument error for an undecodable request, or undefined for a decoded one. */
export function undecodableError(req: unknown): Error | undefined {
  const why = req && typeof req === 'object' ? (req as Partial<Undecodable>)[UNDECODABLE] : undefined;
  return why === undefined ? undefined : invalidArgument(why);
}
