/** The soak's slopes (bench/soak/sample.ts): a sawtooth with a flat floor has a floor slope of 0 whatever its end; a rising floor shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floorSlopeMiBPerHour, slopeMiBPerHour, type Sample } from '../../../bench/soak/sample.js';

const at = (tMin: number, mib: number): Sample => ({ t: tMin * 60_000, rssKiB: mib * 1024, pssKiB: 0, fds: 0, brkKiB: 0, anonKiB: 0, fileKiB: 0 });

test('a sawtooth (50 → 80 MiB every 5 min, ending at a peak) has a flat floor; the plain slope is not 0', () => {
  const s = Array.from({ length: 121 }, (_, i) => at(i / 8, 50 + ((i / 8) % 5) * 6));
  assert.ok(Math.abs(slopeMiBPerHour(s, 'rssKiB')) > 1);
  assert.ok(Math.abs(floorSlopeMiBPerHour(s, 'rssKiB', 5 * 60_000)) < 0.01);
});

test('a floor rising 1 MiB per minute is 60 MiB/hour; samples without the key are left out', () => {
  const s = Array.from({ length: 60 }, (_, i) => at(i / 2, 50 + i / 2 + (i % 4) * 3));
  assert.ok(Math.abs(floorSlopeMiBPerHour(s, 'rssKiB', 2 * 60_000) - 60) < 1, String(floorSlopeMiBPerHour(s, 'rssKiB', 2 * 60_000)));
  assert.equal(floorSlopeMiBPerHour(s, 'heapUsedKiB'), 0);
});

test('a last window shorter than half a window is left out of the floor: the run\'s final sample at a peak lifts no floor', () => {
  // Teeth of 1 min (6 → 26 MiB) for 30 min, then the final sample alone at 30 min, near the top of a tooth.
  const s = Array.from({ length: 360 }, (_, i) => at(i / 12, 6 + (i % 12) * 1.8));
  s.push(at(30, 25));
  assert.ok(Math.abs(floorSlopeMiBPerHour(s, 'rssKiB', 2 * 60_000)) < 0.01, String(floorSlopeMiBPerHour(s, 'rssKiB', 2 * 60_000)));
});
