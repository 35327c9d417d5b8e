/**
 * Plans of a `docker save` archive (`manifest.json`, `repositories`): each manifest.json entry with its config
 * (checked against a digest-shaped file name) and its layer files; names from RepoTags, else from `repositories`.
 */
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { sha256Digest } from './digest.js';
import { parseImageConfig, parseJson } from './oci.js';
import { refuse, normaliseArchivePath, type Extracted } from './import-archive.js';
import { checkConfigPlatform, type HostPlatform } from './import-platform.js';
import { tagOf, type Plan } from './import-plan.js';

export async function planDocker(x: Extracted, path: string, host: HostPlatform): Promise<Plan[]> {
  const mf = parseJson(await x.read('manifest.json', 'manifest.json'), 'manifest.json');
  if (!Array.isArray(mf)) refuse(`${path}: manifest.json is not an array`);
  let repositories: Record<string, Record<string, string>> | undefined;
  if (await x.exists('repositories')) {
    const r = parseJson(await x.read('repositories', 'repositories'), 'repositories');
    if (r && typeof r === 'object' && !Array.isArray(r)) repositories = r as Record<string, Record<string, string>>;
  }
  const plans: Plan[] = [];
  for (const [i, raw] of mf.entries()) {
    const e = raw as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (typeof e?.Config !== 'string') refuse(`${path}: manifest.json[${i}] has no Config`);
    if (!Array.isArray(e.Layers) || e.Layers.some((l) => typeof l !== 'string')) refuse(`${path}: manifest.json[${i}] has no Layers list`);
    const layerFiles = e.Layers as string[];
    let names: string[] = Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    if (names.length === 0 && repositories && layerFiles.length) {
      const top = posix.dirname(normaliseArchivePath(layerFiles[layerFiles.length - 1]!, 'layer'));
      for (const [repo, tags] of Object.entries(repositories)) {
        for (const [tag, id] of Object.entries(tags ?? {})) if (id === top) names.push(`${repo}:${tag}`);
      }
    }
    names = names.map((n) => tagOf(n) ?? refuse(`${path}: manifest.json[${i}] RepoTags entry "${n}" is not a tag`));
    const cfgFile = e.Config;
    const cfgData = await x.read(cfgFile, `config of manifest.json[${i}]`);
    const cfgDigest = sha256Digest(cfgData);
    const m = /(?:^|\/)(?:sha256[:/])?([a-f0-9]{64})(?:\.json)?$/.exec(x.resolve(cfgFile, 'config'));
    if (m && `sha256:${m[1]}` !== cfgDigest) refuse(`${path}: config ${cfgFile} does not match its name (content has ${cfgDigest})`);
    const label = names[0] ?? cfgDigest;
    const configInfo = parseImageConfig(cfgData, `config of ${label}`);
    checkConfigPlatform(host, configInfo, label);
    const layers: Plan['layers'] = [];
    for (const [li, lf] of layerFiles.entries()) {
      const p = x.path(lf, `layer ${li}`);
      const ls = await stat(p).catch(() => undefined);
      if (!ls?.isFile()) refuse(`${path}: layer ${li} (${lf}) of ${label} is not in the archive`);
      const dm = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(x.resolve(lf, 'layer'));
      layers.push({ file: lf, desc: { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: dm ? `sha256:${dm[1]}` : '', size: ls.size } });
    }
    plans.push({
      names, repoDigests: [], config: { file: cfgFile, digest: cfgDigest, size: cfgData.length }, layers, extra: [], configInfo, configData: cfgData,
    });
  }
  return plans;
}
