/** Documents travel to the service as JSON text (the service parses and validates them as HCS / HCN would). */

export const j = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));
