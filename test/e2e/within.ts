/** Awaits `p` for at most `ms`: a hung peer fails the test with `what` (and the test's cleanup still runs). */
export function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms: ${what()}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
