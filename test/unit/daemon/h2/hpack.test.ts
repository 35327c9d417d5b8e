/** HPACK against the RFC 7541 Appendix C examples (decoding and encoding, with and without Huffman) and malformed input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder, encodeLiterals, type HeaderField } from '../../../../src/daemon/h2/hpack.js';
import { huffmanDecode, huffmanEncode } from '../../../../src/daemon/h2/huffman.js';
import { H2ProtocolError } from '../../../../src/daemon/h2/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const pairs = (fs: HeaderField[]): [string, string][] => fs.map((f) => [f.name, f.value]);

type Step = { block: string; headers: [string, string][]; tableSize: number };

const requests: [string, string][][] = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];
const date1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const responses: [string, string][][] = [
  [[':status', '302'], ['cache-control', 'private'], ['date', date1], ['location', 'https://www.example.com']],
  [[':status', '307'], ['cache-control', 'private'], ['date', date1], ['location', 'https://www.example.com']],
  [[':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', 'https://www.example.com'], ['content-encoding', 'gzip'], ['set-cookie', cookie]],
];

const series: Record<string, { size: number; huffman: boolean; steps: Step[] }> = {
  'C.3 requests without Huffman': { size: 4096, huffman: false, steps: [
    { block: '828684410f7777772e6578616d706c652e636f6d', headers: requests[0]!, tableSize: 57 },
    { block: '828684be58086e6f2d6361636865', headers: requests[1]!, tableSize: 110 },
    { block: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565', headers: requests[2]!, tableSize: 164 },
  ] },
  'C.4 requests with Huffman': { size: 4096, huffman: true, steps: [
    { block: '828684418cf1e3c2e5f23a6ba0ab90f4ff', headers: requests[0]!, tableSize: 57 },
    { block: '828684be5886a8eb10649cbf', headers: requests[1]!, tableSize: 110 },
    { block: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', headers: requests[2]!, tableSize: 164 },
  ] },
  'C.5 responses without Huffman (table 256, evictions)': { size: 256, huffman: false, steps: [
    { block: `4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768
              747470733a2f2f7777772e6578616d706c652e636f6d`, headers: responses[0]!, tableSize: 222 },
    { block: '4803333037c1c0bf', headers: responses[1]!, tableSize: 222 },
    { block: `88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153
              444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31`, headers: responses[2]!, tableSize: 215 },
  ] },
  'C.6 responses with Huffman (table 256, evictions)': { size: 256, huffman: true, steps: [
    { block: `488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8
              e9ae82ae43d3`, headers: responses[0]!, tableSize: 222 },
    { block: '4883640effc1c0bf', headers: responses[1]!, tableSize: 222 },
    { block: `88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b
              3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007`, headers: responses[2]!, tableSize: 215 },
  ] },
};

for (const [name, s] of Object.entries(series)) {
  test(`HPACK ${name}: decodes and re-encodes byte for byte, same table sizes`, () => {
    const dec = new HpackDecoder(s.size);
    const enc = new HpackEncoder({ huffman: s.huffman, tableSize: s.size });
    for (const step of s.steps) {
      assert.deepEqual(pairs(dec.decode(hex(step.block))), step.headers);
      assert.equal(dec.table.size, step.tableSize);
      assert.equal(enc.encode(step.headers).toString('hex'), hex(step.block).toString('hex'));
      assert.equal(enc.table.size, step.tableSize);
    }
  });
}

test('HPACK C.2: literal with indexing, without indexing, never indexed, indexed', () => {
  const dec = new HpackDecoder();
  assert.deepEqual(dec.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572')), [{ name: 'custom-key', value: 'custom-header', rep: 'incremental' }]);
  assert.equal(dec.table.size, 55);
  const without = dec.decode(hex('040c2f73616d706c652f70617468'));
  assert.deepEqual(without, [{ name: ':path', value: '/sample/path', rep: 'without' }]);
  const never = dec.decode(hex('100870617373776f726406736563726574'));
  assert.deepEqual(never, [{ name: 'password', value: 'secret', rep: 'never' }]);
  assert.equal(dec.table.size, 55, 'literals without indexing leave the table alone');
  assert.deepEqual(dec.decode(hex('82')), [{ name: ':method', value: 'GET', rep: 'indexed' }]);
  assert.equal(encodeLiterals(without).toString('hex'), '040c2f73616d706c652f70617468');
  assert.equal(encodeLiterals(never).toString('hex'), '100870617373776f726406736563726574');
});

test('HPACK integers (1337 on a 5-bit prefix, RFC 7541 C.1.2) in dynamic table size updates', () => {
  const dec = new HpackDecoder();
  dec.decode(hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'));
  // C.1.2: 1337 on a 5-bit prefix is 1f 9a 0a; with the size-update pattern 001xxxxx the first byte is 3f.
  dec.decode(hex('3f9a0a'));
  assert.equal(dec.table.maxSize, 1337);
  assert.equal(dec.table.length, 1, 'a larger size keeps the entry');
  dec.decode(hex('20'));
  assert.equal(dec.table.length, 0, 'size 0 empties the table');
  const enc = new HpackEncoder();
  enc.setTableSize(1337);
  assert.equal(enc.encode([]).toString('hex'), '3f9a0a');
});

test('Huffman: round trip of every byte value; padding longer than 7 bits, non-EOS padding and EOS are rejected', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual(huffmanDecode(huffmanEncode(all)), all);
  assert.equal(huffmanEncode(Buffer.from('www.example.com')).toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
  assert.throws(() => huffmanDecode(hex('f1e3c2e5f23a6ba0ab90f4ffff')), H2ProtocolError);
  assert.throws(() => huffmanDecode(hex('00')), H2ProtocolError, "'0' then 3 zero bits of padding");
  assert.throws(() => huffmanDecode(hex('ffffffff')), H2ProtocolError, 'EOS');
});

test('HPACK malformed blocks throw H2ProtocolError', () => {
  const cases = ['80', 'ff00', 'c0', 'bf', '41', '410a61', '4185', '82 3f9a0a'.replace(' ', ''), '3fe1ffffff0f'];
  for (const c of cases) assert.throws(() => new HpackDecoder().decode(hex(c)), H2ProtocolError, c);
});
