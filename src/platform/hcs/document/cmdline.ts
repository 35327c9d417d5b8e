/**
 * Windows command lines. A Windows process receives one string, not an argv; the program splits it itself.
 * HCS ProcessParameters.CommandLine is that string, so the runtime must join OCI `args` with Windows quoting,
 * and the emulator (which runs Linux processes from it) must split it back the way the Windows loader's
 * CommandLineToArgvW does.
 *
 * Joining follows Go's syscall.EscapeArg (what hcsshim uses for WCOW process args): an argument is wrapped in
 * double quotes only when it is empty or contains a space or tab; a double quote is written as \" and the
 * backslashes directly in front of it (and in front of the closing quote) are doubled; all other backslashes
 * are copied as they are.
 *
 * The program name (args[0]) is parsed by CommandLineToArgvW with its own rule: a quoted program name runs to
 * the next double quote with no backslash processing, an unquoted one to the next space or tab. joinCommandLine
 * therefore writes args[0] as `"<name>"` verbatim when it needs quoting (a Windows file name cannot contain a
 * double quote, so this always round-trips for real program names). If args[0] does contain a double quote we
 * fall back to escapeArg; such a name cannot be expressed for CommandLineToArgvW at all.
 */

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Quotes one argument (not the program name) the way Go's syscall.EscapeArg does. */
export function escapeArg(arg: string): string {
  if (arg.length === 0) return '""';
  let needsBackslash = false;
  let hasSpace = false;
  for (const c of arg) {
    if (c === '"' || c === '\\') needsBackslash = true;
    else if (isBlank(c)) hasSpace = true;
  }
  if (!needsBackslash && !hasSpace) return arg;
  if (!needsBackslash) return `"${arg}"`;

  let out = hasSpace ? '"' : '';
  let slashes = 0;
  for (const c of arg) {
    if (c === '\\') {
      slashes++;
    } else if (c === '"') {
      // n backslashes before a quote become 2n, plus one more to escape the quote itself.
      out += '\\'.repeat(slashes + 1);
      slashes = 0;
    } else {
      slashes = 0;
    }
    out += c;
  }
  if (hasSpace) out += '\\'.repeat(slashes) + '"';
  return out;
}

/** Quotes the program name (argv[0]) for CommandLineToArgvW's argv[0] rule. */
export function escapeProgramName(name: string): string {
  if (name.includes('"')) return escapeArg(name);
  if (name.length === 0 || /[ \t]/.test(name)) return `"${name}"`;
  return name;
}

/** Joins argv into one Windows command line; splitCommandLine(joinCommandLine(a)) returns `a`. */
export function joinCommandLine(args: readonly string[]): string {
  if (args.length === 0) return '';
  return [escapeProgramName(args[0]!), ...args.slice(1).map(escapeArg)].join(' ');
}

/**
 * Splits a command line into argv using CommandLineToArgvW's rules:
 *  - argv[0]: if it starts with `"`, it runs to the next `"` (or the end) with no backslash processing, and the
 *    next argument starts right after that quote; otherwise it runs to the first space or tab (quotes and
 *    backslashes are literal). A line starting with a blank therefore yields an empty argv[0].
 *  - other arguments are separated by spaces/tabs outside quotes;
 *    2n backslashes + `"` → n backslashes and the quote toggles quoting;
 *    2n+1 backslashes + `"` → n backslashes and a literal `"`;
 *    backslashes not followed by `"` are literal;
 *    inside a quoted section `""` is a literal `"` and the section continues (the post-2008 rule of the
 *    Microsoft C runtime; older runtimes, and shell32 as observed by Wine, end the quoted section instead —
 *    joinCommandLine never produces `""` inside quotes, so both readings agree on everything we write).
 * Windows returns the path of the current executable for an empty line; having none, we return [].
 */
export function splitCommandLine(cmd: string): string[] {
  const argv: string[] = [];
  let i = 0;
  const n = cmd.length;
  if (n === 0) return argv;

  // argv[0]
  let arg0 = '';
  if (cmd[0] === '"') {
    i = 1;
    while (i < n && cmd[i] !== '"') arg0 += cmd[i++];
    if (i < n) i++; // closing quote
  } else {
    while (i < n && !isBlank(cmd[i])) arg0 += cmd[i++];
  }
  argv.push(arg0);
  while (i < n && isBlank(cmd[i])) i++;

  while (i < n) {
    let cur = '';
    let inQuotes = false;
    for (; i < n; ) {
      const c = cmd[i]!;
      if (isBlank(c) && !inQuotes) break;
      if (c === '\\') {
        let bs = 0;
        while (i < n && cmd[i] === '\\') { bs++; i++; }
        if (cmd[i] === '"') {
          cur += '\\'.repeat(bs >> 1);
          if (bs & 1) { cur += '"'; i++; }
          // even: leave the quote for the quote handling below
        } else {
          cur += '\\'.repeat(bs);
        }
        continue;
      }
      if (c === '"') {
        if (inQuotes && cmd[i + 1] === '"') { cur += '"'; i += 2; continue; }
        inQuotes = !inQuotes;
        i++;
        continue;
      }
      cur += c;
      i++;
    }
    argv.push(cur);
    while (i < n && isBlank(cmd[i])) i++;
  }
  return argv;
}
