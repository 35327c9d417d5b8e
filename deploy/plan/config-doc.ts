/**
 * The wincri configuration a node install writes (<DataDir>\config.yaml). Only the keys that differ per node
 * are written; everything else keeps the daemon's defaults (`wincri config default` lists them), so a later
 * release's new defaults apply without rewriting the file.
 */
import YAML from 'yaml';

export interface NodeConfig {
  endpoint: string;
  root: string;
  cniConfDir: string;
  cniBinDirs: string[];
}

export function nodeConfigYaml(c: NodeConfig, origin: string): string {
  const doc = new YAML.Document({
    endpoint: c.endpoint,
    root: c.root,
    backend: 'windows',
    cni: { confDir: c.cniConfDir, binDirs: c.cniBinDirs },
  });
  doc.commentBefore = ` wincri configuration written by ${origin}. Other keys keep their defaults (wincri config default).`;
  return doc.toString();
}
