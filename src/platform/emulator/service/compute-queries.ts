/**
 * The compute emulator's read side (compute.ts): HcsEnumerateComputeSystems with its query's filters (job
 * containers are no compute systems: never listed), and HcsGetComputeSystemProperties with the property types
 * asked for — Statistics (a utility VM's summed with its hosted systems', OOM kills read), ProcessList,
 * TerminateOnLastHandleClosed.
 */
import { PropertyQuery, SystemQuery, type PropertiesDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { parseDoc } from './documents.js';
import { statistics, processList } from './statistics.js';
import { readOom } from './isolate.js';
import { sumStatistics } from './hosting.js';

export interface QueryContext {
  systems: ReadonlyMap<string, SystemRecord>;
  /** The basic properties of a system (compute-base.ts). */
  basic(s: SystemRecord): PropertiesDoc;
  /** The process groups of a system's processes. */
  pgids(s: SystemRecord): Set<number>;
}

export function enumerateSystems(c: QueryContext, queryText: unknown): PropertiesDoc[] {
  const q = parseDoc(SystemQuery, 'HcsEnumerateComputeSystems', queryText, true);
  return [...c.systems.values()].filter((s) => {
    if (s.job) return false;
    const b = c.basic(s);
    if (q.Ids && q.Ids.length && !q.Ids.includes(s.id)) return false;
    if (q.Names && q.Names.length && !q.Names.includes(s.id)) return false;
    if (q.Types && q.Types.length && !q.Types.includes(b.SystemType!)) return false;
    if (q.Owners && q.Owners.length && !q.Owners.includes(b.Owner ?? '')) return false;
    return true;
  }).map((s) => c.basic(s));
}

/**
 * The properties of `s` the query asks for. `accounted`: Statistics were asked, which keep their accounting
 * (monotonic totals, peaks, OOM kills) in the record: the caller writes it; other queries change nothing.
 */
export function systemProperties(c: QueryContext, op: string, s: SystemRecord, queryText: unknown): { props: PropertiesDoc; accounted: boolean } {
  const q = parseDoc(PropertyQuery, op, queryText, true);
  const p = c.basic(s);
  const types = new Set(q.PropertyTypes ?? []);
  if (types.has('Statistics')) {
    p.Statistics = statistics(s, c.pgids(s));
    if (s.document.VirtualMachine) {
      const inside = [...c.systems.values()].filter((h) => h.document.HostingSystemId === s.id);
      p.Statistics = sumStatistics(p.Statistics, inside.map((h) => statistics(h, c.pgids(h))));
    }
    readOom(s);
    if (s.oomKills) p.OomKillCount = s.oomKills;
  }
  if (types.has('ProcessList')) p.ProcessList = processList(s, c.pgids(s));
  if (types.has('TerminateOnLastHandleClosed')) p.TerminateOnLastHandleClosed = !!s.document.ShouldTerminateOnLastHandleClosed;
  return { props: p, accounted: types.has('Statistics') };
}
