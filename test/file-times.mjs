// node:test reporter for `WINCRI_TEST_TIMES=1 npm test` (test/run.mjs): one line per test file, "<ms>\t<ok|FAIL>\t<file>".
// node 20 reports each file as a test of nesting 0 named by its path; later versions report the file's own
// top-level tests (with `file`): their durations are summed per file then (before/after hooks not counted).
export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const ev of source) {
    if ((ev.type !== 'test:pass' && ev.type !== 'test:fail') || ev.data.nesting !== 0) continue;
    const file = ev.data.file ?? ev.data.name;
    const cur = perFile.get(file) ?? { ms: 0, failed: false };
    cur.ms += ev.data.details?.duration_ms ?? 0;
    cur.failed ||= ev.type === 'test:fail';
    perFile.set(file, cur);
  }
  for (const [file, { ms, failed }] of perFile) yield `${Math.round(ms)}\t${failed ? 'FAIL' : 'ok'}\t${file}\n`;
}
