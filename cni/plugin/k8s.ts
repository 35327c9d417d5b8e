/**
 * EKS mode: the pod's address comes from the VPC resource controller's annotation
 * (vpc.amazonaws.com/PrivateIPv4Address: "<ip>/<prefix>") read from the API server. The annotation is written
 * asynchronously after scheduling, so it is polled until a deadline.
 */
import { CniError, CNI_ERR } from './errors.js';
import { parseCidr } from './ip.js';
import type { EksOptions } from './config-ipam.js';

export async function podAddressFromAnnotation(o: EksOptions, namespace: string, name: string): Promise<{ ip: string; prefix: number }> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig); else kc.loadFromDefault();
  } catch (e) {
    throw new CniError(CNI_ERR.InvalidNetworkConfig, `eks: cannot load kubeconfig ${o.kubeconfig ?? '(default)'}`, (e as Error).message);
  }
  const api = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + o.timeoutMs;
  let lastProblem = '';
  let delay = 100;
  for (;;) {
    try {
      const pod = await api.readNamespacedPod({ name, namespace });
      const value = pod.metadata?.annotations?.[o.annotation];
      if (value) {
        const text = value.includes('/') ? value : `${value}/32`;
        const c = parseCidr(text, `annotation ${o.annotation}`);
        return { ip: c.ip, prefix: c.prefix };
      }
      lastProblem = `pod ${namespace}/${name} does not have annotation ${o.annotation}`;
    } catch (e) {
      if (e instanceof CniError) throw e;
      const code = (e as { code?: number }).code;
      lastProblem = `reading pod ${namespace}/${name}: ${code ? `HTTP ${code}` : (e as Error).message}`;
    }
    if (Date.now() + delay > deadline) break;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
  throw new CniError(CNI_ERR.TryAgainLater, `eks: no pod address: ${lastProblem}`,
    'the VPC resource controller annotates Windows pods with their address; check that it and its webhook run');
}
