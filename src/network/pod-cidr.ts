/** The node's pod CIDR rendered into the conf dir from a template file (`{{.PodCIDR}}`, `{{.PodCIDRRanges}}`). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { logger } from '../util/log.js';

const log = logger('network');

/** `{{.PodCIDR}}` → the first CIDR, `{{.PodCIDRRanges}}` → all of them as a JSON list. */
export function renderTemplate(tpl: string, cidrs: string[]): string {
  return tpl.replace(/\{\{\s*\.PodCIDR\s*\}\}/g, cidrs[0] ?? '')
    .replace(/\{\{\s*\.PodCIDRRanges\s*\}\}/g, JSON.stringify(cidrs));
}

/** Writes the rendered template as 10-wincri-net.conf(list) in the conf dir, unless it already holds that text. */
export async function writePodCidrConf(confDir: string, template: string, cidrs: string[]): Promise<void> {
  const tpl = await readFile(template, 'utf8');
  const text = renderTemplate(tpl, cidrs);
  const isList = /"plugins"\s*:/.test(text);
  const file = join(confDir, `10-wincri-net.${isList ? 'conflist' : 'conf'}`);
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old === text) return;
  await writeFileAtomic(file, text, 0o644);
  log.info('rendered CNI configuration from the template', { file, podCidr: cidrs.join(',') });
}
