/**
 * A tiny schema language for the Windows service documents (HCS schema v2, HCN v2). One definition gives both
 * the TypeScript type (Infer<typeof X>) that the document builders produce and the runtime validator that the
 * emulator applies to every document it receives, so the two cannot drift apart.
 *
 * Semantics follow the services: unknown fields are rejected, every field is optional unless marked required,
 * and values must have the declared JSON type.
 */
export type Schema<T> = {
  readonly kind: string;
  readonly describe: string;
  /** Returns undefined when valid, otherwise a problem description (path-relative). */
  check(value: unknown, path: string): SchemaProblem | undefined;
  /** Phantom type carrier, never set. */
  readonly _type?: T;
};
export type Infer<S> = S extends Schema<infer T> ? T : never;
export interface SchemaProblem { path: string; message: string }

function prob(path: string, message: string): SchemaProblem {
  return { path: path || '<document>', message };
}

export const str: Schema<string> = {
  kind: 'string', describe: 'string',
  check: (v, p) => (typeof v === 'string' ? undefined : prob(p, `expected string, got ${typeName(v)}`)),
};
export const bool: Schema<boolean> = {
  kind: 'boolean', describe: 'bool',
  check: (v, p) => (typeof v === 'boolean' ? undefined : prob(p, `expected bool, got ${typeName(v)}`)),
};

function intSchema(name: string, min: number, max: number): Schema<number> {
  return {
    kind: 'integer', describe: name,
    check: (v, p) => {
      if (typeof v !== 'number' || !Number.isInteger(v)) return prob(p, `expected ${name}, got ${typeName(v)}`);
      if (v < min || v > max) return prob(p, `${v} is out of range for ${name}`);
      return undefined;
    },
  };
}
export const int32 = intSchema('int32', -0x80000000, 0x7fffffff);
export const uint16 = intSchema('uint16', 0, 0xffff);
export const uint32 = intSchema('uint32', 0, 0xffffffff);
export const int64 = intSchema('int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
export const uint64 = intSchema('uint64', 0, Number.MAX_SAFE_INTEGER);
export const uint8 = intSchema('uint8', 0, 0xff);
export const number: Schema<number> = {
  kind: 'number', describe: 'number',
  check: (v, p) => (typeof v === 'number' && Number.isFinite(v) ? undefined : prob(p, `expected number, got ${typeName(v)}`)),
};
/** Any JSON value (the schema says `interface{}` / `any`). */
export const any: Schema<unknown> = { kind: 'any', describe: 'any', check: () => undefined };

const GUID_RE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
export const guid: Schema<string> = {
  kind: 'guid', describe: 'GUID',
  check: (v, p) => (typeof v === 'string' && GUID_RE.test(v) ? undefined : prob(p, `expected GUID string, got ${JSON.stringify(v)}`)),
};

export function literal<const T extends readonly string[]>(...values: T): Schema<T[number]> {
  return {
    kind: 'enum', describe: values.join('|'),
    check: (v, p) => (typeof v === 'string' && (values as readonly string[]).includes(v)
      ? undefined : prob(p, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`)),
  };
}

export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    kind: 'array', describe: `${item.describe}[]`,
    check: (v, p) => {
      if (!Array.isArray(v)) return prob(p, `expected array, got ${typeName(v)}`);
      for (let i = 0; i < v.length; i++) {
        const r = item.check(v[i], `${p}[${i}]`);
        if (r) return r;
      }
      return undefined;
    },
  };
}

export function map<T>(value: Schema<T>): Schema<Record<string, T>> {
  return {
    kind: 'map', describe: `map<string,${value.describe}>`,
    check: (v, p) => {
      if (!isPlainObject(v)) return prob(p, `expected object, got ${typeName(v)}`);
      for (const [k, x] of Object.entries(v)) {
        const r = value.check(x, `${p}.${k}`);
        if (r) return r;
      }
      return undefined;
    },
  };
}

type Fields = Record<string, Schema<unknown> | Required<Schema<unknown>>>;
const REQUIRED = Symbol('required');
/** Marks an object field as required. */
export function required<T>(s: Schema<T>): Schema<T> & { [REQUIRED]: true } {
  return Object.assign(Object.create(s) as Schema<T>, { [REQUIRED]: true as const });
}
type IsReq<S> = S extends { [REQUIRED]: true } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectType<F extends Fields> = Simplify<
  { [K in keyof F as IsReq<F[K]> extends true ? K : never]: Infer<F[K]> } &
  { [K in keyof F as IsReq<F[K]> extends true ? never : K]?: Infer<F[K]> }>;

export interface ObjectSchema<F extends Fields> extends Schema<ObjectType<F>> { readonly fields: F; readonly name: string }

export function object<F extends Fields>(name: string, fields: F, opts: { allowUnknown?: boolean } = {}): ObjectSchema<F> {
  return {
    kind: 'object', describe: name, fields, name,
    check: (v, p) => {
      if (!isPlainObject(v)) return prob(p, `expected ${name} object, got ${typeName(v)}`);
      for (const [k, x] of Object.entries(v)) {
        const f = fields[k];
        if (!f) {
          if (opts.allowUnknown) continue;
          return prob(p ? `${p}.${k}` : k, `unknown field "${k}" in ${name}`);
        }
        if (x === null) continue; // JSON null == omitted (Go omitempty semantics)
        const r = f.check(x, p ? `${p}.${k}` : k);
        if (r) return r;
      }
      for (const [k, f] of Object.entries(fields)) {
        if ((f as { [REQUIRED]?: boolean })[REQUIRED] && (v as Record<string, unknown>)[k] === undefined) {
          return prob(p ? `${p}.${k}` : k, `required field "${k}" of ${name} is missing`);
        }
      }
      return undefined;
    },
  };
}

/** Lazily-resolved schema for recursive types. */
export function lazy<T>(f: () => Schema<T>): Schema<T> {
  return { kind: 'lazy', get describe() { return f().describe; }, check: (v, p) => f().check(v, p) };
}

export function validate<T>(schema: Schema<T>, value: unknown): { ok: true; value: T } | { ok: false; problem: SchemaProblem } {
  const r = schema.check(value, '');
  return r ? { ok: false, problem: r } : { ok: true, value: value as T };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' && !Number.isInteger(v) ? 'non-integer number' : typeof v;
}
