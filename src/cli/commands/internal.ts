/** Long-running helpers: the IO keeper (started by serve) and the overlay node agent. */
import { resolve } from 'node:path';
import { setLogLevel, setLogFormat } from '../../util/log.js';
import { EXIT, UsageError, configFrom, parseArgs, str } from '../args.js';
import type { Command } from '../command.js';

export const ioKeeperCommand: Command = {
  name: 'io-keeper',
  help: `Usage: wincri io-keeper --config FILE [--log-file FILE]

Internal: the per-node IO keeper started by "wincri serve". It creates container init processes, owns their
stdio and writes their CRI logs, so containers keep logging while the daemon restarts. With --log-file its own
log goes to FILE, rotated by size and count (logFileMaxSizeMB, logFileMaxFiles), instead of stderr.`,
  async run(argv) {
    const { flags, help } = parseArgs(argv, { config: 'string', root: 'string', 'log-file': 'string' });
    if (help) return void console.log(this.help), EXIT.OK;
    const cfg = configFrom(flags);
    setLogLevel(cfg.logLevel);
    setLogFormat(cfg.logFormat);
    const logFile = str(flags, 'log-file');
    if (logFile) (await import('../../util/log-file.js')).logToFile(logFile, cfg);
    const { createPlatform, keeperPaths } = await import('../../daemon/platform-factory.js');
    (await import('../../util/last-resort.js')).installLastResort('io-keeper');
    (await import('../../util/idle-gc.js')).configureIdleGc({ busyTrim: () => null }); // its C heap stays flat under churn (util/idle-gc.ts)
    const { keeperMain } = await import('../../container-io/keeper-main.js');
    const { keeperPlatform } = await import('../../daemon/keeper-deadlines.js');
    const platform = keeperPlatform(await createPlatform(cfg), cfg.limits.platformCallTimeoutSeconds);
    const p = keeperPaths(cfg);
    await keeperMain({ socketPath: p.socketPath, stateDir: p.stateDir, platform });
    await platform.close();
    process.exit(EXIT.OK);
  },
};

export const nodeAgentCommand: Command = {
  name: 'node-agent',
  help: `Usage: wincri node-agent --node NAME --network NAME [--kubeconfig FILE] [--config FILE]

Watches Node objects and keeps one RemoteSubnetRoute policy (remote pod CIDR → remote node address, VNI) per
other node on the local overlay HNS network, removing stale ones. Runs until SIGINT/SIGTERM.
  --node NAME        this node's name (its own pod CIDR gets no route)
  --network NAME     the overlay HNS network (the CNI configuration's network name)
  --kubeconfig FILE  API server credentials (default: KUBECONFIG, ~/.kube/config or in-cluster)
  --config FILE      wincri configuration (platform backend)
Exit codes: 0 stopped by a signal, 1 failure, 2 usage error.`,
  async run(argv) {
    const { flags, help } = parseArgs(argv, { config: 'string', root: 'string', node: 'string', network: 'string', kubeconfig: 'string', 'log-level': 'string' });
    if (help) return void console.log(this.help), EXIT.OK;
    const node = str(flags, 'node'), network = str(flags, 'network');
    if (!node || !network) throw new UsageError('node-agent needs --node and --network');
    const cfg = configFrom(flags);
    setLogLevel(cfg.logLevel);
    setLogFormat(cfg.logFormat);
    const { createPlatform } = await import('../../daemon/platform-factory.js');
    const { runNodeAgent } = await import('../../../cni/agent/node-agent.js');
    const platform = await createPlatform(cfg);
    const ac = new AbortController();
    process.on('SIGINT', () => ac.abort());
    process.on('SIGTERM', () => ac.abort());
    const kubeconfig = str(flags, 'kubeconfig');
    await runNodeAgent({ kubeconfig: kubeconfig ? resolve(kubeconfig) : undefined, nodeName: node, networkName: network, platform, signal: ac.signal });
    await platform.close();
    process.exit(EXIT.OK);
  },
};
