/** `wincri serve`: the CRI daemon, in a console or as a Windows service (--windows-service). */
import { defaultEndpoint } from '../../config/config.js';
import { addLogTap, setLogLevel, setLogFormat, logger } from '../../util/log.js';
import { logToFile } from '../../util/log-file.js';
import { EXIT, UsageError, bool, configFrom, defaultConfigFile, parseArgs, str } from '../args.js';
import type { Command } from '../command.js';

const log = logger('wincri');

const HELP = `Usage: wincri serve [--config FILE] [--endpoint URL] [--root DIR] [--log-level LEVEL] [--log-format FORMAT] [--windows-service [--service-name NAME]]

Runs the CRI daemon (RuntimeService + ImageService + wincri's admin service on one endpoint). Flags override
the configuration file.
  --config FILE         YAML configuration (default ${defaultConfigFile()} if it exists; see "wincri config default")
  --endpoint URL        unix:///path/wincri.sock or npipe:////./pipe/wincri (default ${defaultEndpoint()})
  --root DIR            state root: images, containers, records, emulator state
  --log-level LEVEL     debug, info, warn or error
  --log-format FORMAT   json, text or auto (JSON lines unless stderr is a terminal)
  --windows-service     run under the Windows Service Control Manager (the command line deploy/windows registers):
                        reports RUNNING once the endpoint serves; the service's stop control closes the daemon
                        gracefully. Windows only.
  --service-name NAME   the service's name (default wincri)
SIGINT/SIGTERM (or the service stop control) stop the daemon gracefully; containers keep running.
Exit codes: 0 stopped cleanly, 1 failed to start or to stop, 2 usage error.`;

/** On Windows, error lines also go to the Event Log (source wincri), rate-limited; skipped where Windows refuses the source. */
async function errorsToEventLog(): Promise<void> {
  try {
    const { openWindowsEventLog } = await import('../../platform/windows/event-log.js');
    const writer = openWindowsEventLog();
    if (!writer) return void log.warn('the Windows Event Log refused source "wincri": errors go to the log file only');
    const { eventLogSink } = await import('../../util/event-log-sink.js');
    addLogTap(eventLogSink(writer));
  } catch (e) {
    log.warn('the Windows Event Log is not available: errors go to the log file only', { error: (e as Error).message });
  }
}

export const serveCommand: Command = {
  name: 'serve',
  help: HELP,
  async run(argv) {
    const { flags, help } = parseArgs(argv, { config: 'string', endpoint: 'string', root: 'string', 'log-level': 'string', 'log-format': 'string', 'windows-service': 'boolean', 'service-name': 'string' });
    if (help) return void console.log(HELP), EXIT.OK;
    if (bool(flags, 'windows-service') && process.platform !== 'win32') throw new UsageError('--windows-service works only on Windows (it talks to the Service Control Manager)');
    const cfg = configFrom(flags);
    // The YAML parser has done its work for the daemon's life: let its modules be collected (config/yaml.ts).
    (await import('../../config/yaml.js')).releaseYaml();
    setLogLevel(cfg.logLevel);
    setLogFormat(cfg.logFormat);
    if (cfg.logFile) logToFile(cfg.logFile, cfg);
    if (process.platform === 'win32') await errorsToEventLog();
    (await import('../../util/last-resort.js')).installLastResort('daemon');
    (await import('../../util/idle-gc.js')).configureIdleGc({ busyTrim: () => null }); // its C heap stays flat under churn (util/idle-gc.ts)
    const warning = (await import('../preflight.js')).networkingPreflight(cfg);
    if (warning) logger('wincri').warn(warning);
    const { startDaemon } = await import('../../daemon/wire.js');
    if (bool(flags, 'windows-service')) {
      const { runAsWindowsService } = await import('../../platform/windows/service-host.js');
      let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
      const code = await runAsWindowsService({ name: str(flags, 'service-name') ?? 'wincri' }, {
        start: async () => { daemon = await startDaemon(cfg); },
        stop: async () => { log.info('service stop requested (containers keep running)'); await daemon?.close(); },
        onError: (phase, e) => log.error(`service ${phase} failed`, { error: (e as Error).message }),
      });
      process.exit(code);
    }
    const daemon = await startDaemon(cfg);
    let closing = false;
    const stop = (sig: string) => {
      if (closing) return;
      closing = true;
      log.info('shutting down (containers keep running)', { signal: sig });
      const force = setTimeout(() => process.exit(EXIT.OK), 10_000);
      force.unref();
      daemon.close().then(() => process.exit(EXIT.OK), (e) => { log.error('shutdown failed', { error: (e as Error).message }); process.exit(EXIT.FAIL); });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    return undefined;
  },
};
