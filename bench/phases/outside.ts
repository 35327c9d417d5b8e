/**
 * wincri only: the share of each lifecycle RPC's time spent outside the daemon's own code — platform calls
 * (HCS/HCN/storage on the emulator service, including those the IO keeper makes for a start and reports back), IO
 * keeper calls, CNI plugin execs — from the daemon's Prometheus counters (wincri_grpc_outside_seconds_total against wincri_grpc_request_duration_seconds_sum).
 */
import http from 'node:http';

export const METHODS = ['RunPodSandbox', 'CreateContainer', 'StartContainer', 'StopPodSandbox', 'RemovePodSandbox'];

export function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => { let b = ''; res.setEncoding('utf8'); res.on('data', (c) => { b += c; }); res.on('end', () => resolve(b)); }).on('error', reject);
  });
}

export function sum(text: string, metric: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function outsideShares(metricsUrl: string): Promise<string> {
  const text = await scrape(metricsUrl);
  const out = ['| RPC (wincri, lifecycle phase) | total s | platform | IO keeper | CNI exec | wincri\'s own code |', '|---|---|---|---|---|---|'];
  for (const method of METHODS) {
    const total = sum(text, 'wincri_grpc_request_duration_seconds_sum', { method });
    if (!total) continue;
    const part = (p: string) => sum(text, 'wincri_grpc_outside_seconds_total', { method, part: p });
    const [pl, ke, cn] = [part('platform'), part('keeper'), part('cni-exec')];
    const pc = (v: number) => `${((v / total) * 100).toFixed(0)} %`;
    out.push(`| ${method} | ${total.toFixed(2)} | ${pc(pl)} | ${pc(ke)} | ${pc(cn)} | ${pc(Math.max(0, total - pl - ke - cn))} |`);
  }
  return out.join('\n');
}
