/** `npm run docs`: regenerates the README's generated blocks (configuration reference, troubleshooting). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReadme } from './reference.js';

const readme = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(readme, after);
console.log(after === before ? 'README.md is up to date' : 'README.md updated');
