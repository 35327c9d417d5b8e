/** Hostile-input checks of the pod and container configurations (./validate-input.ts), by CRI field name. */
import type * as T from './generated/index.js';
import { checkName, checkText, checkHostDir, checkMap, checkEnv, checkArgv, checkContainerPath, checkHostPath } from './validate-input.js';

export function validateSandboxConfig(c: T.PodSandboxConfig__Output): void {
  const m = c.metadata;
  if (m) {
    checkName(m.name, 'config.metadata.name');
    checkName(m.namespace, 'config.metadata.namespace');
    checkName(m.uid, 'config.metadata.uid');
  }
  checkText(c.hostname, 'config.hostname', 253);
  if (c.logDirectory) checkHostDir(c.logDirectory, 'config.log_directory');
  checkMap(c.labels, 'config.labels');
  checkMap(c.annotations, 'config.annotations');
  const dns = c.dnsConfig;
  if (dns) {
    dns.servers.forEach((s, i) => checkText(s, `config.dns_config.servers[${i}]`, 256));
    dns.searches.forEach((s, i) => checkText(s, `config.dns_config.searches[${i}]`, 256));
    dns.options.forEach((s, i) => checkText(s, `config.dns_config.options[${i}]`, 256));
  }
}

export function validateContainerConfig(c: T.ContainerConfig__Output): void {
  if (c.metadata) checkName(c.metadata.name, 'config.metadata.name');
  if (c.logPath) checkText(c.logPath, 'config.log_path');
  checkContainerPath(c.workingDir, 'config.working_dir', false);
  checkArgv(c.command, 'config.command');
  checkArgv(c.args, 'config.args');
  checkEnv(c.envs.map((e) => ({ key: e.key, value: Buffer.isBuffer(e.value) ? e.value.toString('utf8') : String(e.value) })), 'config.envs');
  checkMap(c.labels, 'config.labels');
  checkMap(c.annotations, 'config.annotations');
  c.mounts.forEach((m, i) => {
    if (m.image?.image) return; // an image volume: refused by the converter as unsupported, with its own message
    checkContainerPath(m.containerPath, `config.mounts[${i}].container_path`, true);
    checkHostPath(m.hostPath, `config.mounts[${i}].host_path`);
  });
}
