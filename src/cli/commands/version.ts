import { VERSION } from '../../version.js';
import { EXIT, EXIT_CODES_HELP, parseArgs } from '../args.js';
import type { Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  help: `Usage: wincri version\n\nPrints the wincri version, the CRI API version and the Node.js version.\n${EXIT_CODES_HELP}`,
  async run(argv) {
    const { help } = parseArgs(argv, {});
    if (help) return void console.log(this.help), EXIT.OK;
    console.log(`wincri ${VERSION}\nCRI API: runtime.v1 (cri-api v0.36.3)\nnode: ${process.version}`);
    return EXIT.OK;
  },
};
