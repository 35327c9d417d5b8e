// Build step: generate TypeScript types for every message and service of api/api.proto.
// The proto itself is never edited; this only reads it. Output: src/cri/generated (not committed).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src', 'cri', 'generated');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const require = createRequire(import.meta.url);
const bin = join(dirname(require.resolve('@grpc/proto-loader/package.json')), 'build', 'bin', 'proto-loader-gen-types.js');
// These options must match LOADER_OPTIONS in src/cri/proto.ts.
execFileSync(process.execPath, [bin, '--longs=String', '--enums=String', '--defaults', '--oneofs',
  '--grpcLib=@grpc/grpc-js', '-O', out, join(root, 'api', 'api.proto')], { stdio: ['ignore', 'ignore', 'inherit'] });

// ESM (NodeNext) needs explicit extensions on relative imports.
const files = [];
const walk = (d) => { for (const e of readdirSync(d)) { const p = join(d, e); statSync(p).isDirectory() ? walk(p) : files.push(p); } };
walk(out);
for (const f of files) {
  const src = readFileSync(f, 'utf8').replace(/from '(\.\.?\/[^']+)'/g, (_m, p) => `from '${p}.js'`);
  writeFileSync(f, src);
}
const msgs = readdirSync(join(out, 'runtime', 'v1')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
writeFileSync(join(out, 'index.ts'),
  '// Generated from api/api.proto by api/gen-types.mjs. Do not edit.\n' +
  msgs.map((m) => `export type * from './runtime/v1/${m}.js';`).join('\n') + '\n' +
  "export type { ProtoGrpcType } from './api.js';\n");
console.log(`generated ${msgs.length} CRI types into ${relative(root, out)}`);
