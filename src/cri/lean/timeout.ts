/**
 * The `grpc-timeout` request header, read as grpc-js 1.14's server reads it (server-interceptors.js
 * handleTimeoutHeader): the first digits-and-unit match anywhere in the value, milliseconds truncated to an int32.
 */
const DEADLINE = /(\d{1,8})\s*([HMSmun])/;
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The timeout in milliseconds, or undefined when the value is not one (grpc-js answers INTERNAL). */
export function parseGrpcTimeout(value: string): number | undefined {
  const m = DEADLINE.exec(value);
  return m ? (Number(m[1]) * UNIT_MS[m[2]!]!) | 0 : undefined;
}
