import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logger, setLogFormat, setLogLevel, setLogSink, withLogContext, forwardLogs, logForwarded, type ForwardedLine } from '../../../src/util/log.js';
import { redactText, redactFields, REDACTED } from '../../../src/util/redact.js';

function capture(fn: () => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  return Promise.resolve(fn()).then(() => lines, (e) => { throw e; }).finally(restore);
}

test('JSON lines carry level, component, message, fields and the context fields across awaits', async () => {
  setLogFormat('json');
  setLogLevel('info');
  const log = logger('cri');
  const lines = await capture(() => withLogContext({ request: 'r1', pod: 'p1' }, async () => {
    await new Promise((r) => setTimeout(r, 1));
    log.info('RunPodSandbox', { ms: '1.0', big: 5n, error: new Error('boom') });
    log.debug('hidden');
  }));
  assert.equal(lines.length, 1);
  const o = JSON.parse(lines[0]!);
  assert.equal(o.level, 'info');
  assert.equal(o.component, 'cri');
  assert.equal(o.msg, 'RunPodSandbox');
  assert.deepEqual([o.request, o.pod, o.ms, o.big, o.error], ['r1', 'p1', '1.0', '5', 'boom']);
  assert.ok(!Number.isNaN(Date.parse(o.time)));
  const outside = await capture(() => log.info('later'));
  assert.equal(JSON.parse(outside[0]!).request, undefined, 'context does not leak out');
});

test('text lines are readable: time LEVEL component: msg key=value', async () => {
  setLogFormat('text');
  const lines = await capture(() => logger('images').warn('slow', { ref: 'a b', n: 3, skip: undefined }));
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\S+Z WARN  images: slow ref="a b" n=3\n$/);
  setLogFormat('json');
});

test('secret fields are masked at any depth; booleans and empty values stay', () => {
  const out = redactFields({
    auth: { username: 'u', password: 'hunter2' }, identity_token: 'it', registryToken: 'rt', Authorization: 'Basic dTpw',
    key: '-----BEGIN', ok: true, headers: { authorization: 'Bearer abc' }, list: [{ token: 't' }], password: '', withAuth: true,
  });
  assert.deepEqual(out, {
    auth: REDACTED, identity_token: REDACTED, registryToken: REDACTED, Authorization: REDACTED, key: REDACTED, ok: true,
    headers: { authorization: REDACTED }, list: [{ token: REDACTED }], password: '', withAuth: true,
  });
});

test('secrets inside free text are masked', () => {
  const cases: [string, RegExp][] = [
    ['GET failed: Authorization: Bearer eyJhbGciOi.abc.def', /eyJ/],
    ['header authorization=Basic a3ViZTpwdWxs', /a3ViZTpwdWxs/],
    ['fetch https://kube:pull-Secret-42@registry.example/v2/', /pull-Secret-42/],
    ['config {"password":"pull-Secret-42","user":"x"}', /pull-Secret-42/],
    ['token=abcdef123&scope=pull', /abcdef123/],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', /MIIE/],
    // every name of the password/token rule passes the quick pre-check
    ...['passwd', 'identitytoken', 'identity_token', 'registrytoken', 'registry_token', 'access_token', 'refresh_token', 'Secret', 'PASSWORD']
      .map((k): [string, RegExp] => [`${k}=hunter2-x`, /hunter2/]),
    ['proxy-authorization: Basic a3ViZTpwdWxs', /a3ViZTpwdWxs/],
    ['ftp://u:p4ss@host/x', /p4ss/],
  ];
  for (const [s, secret] of cases) assert.doesNotMatch(redactText(s), secret, s);
  assert.equal(redactText('pulled example.com/app:1 in 2s'), 'pulled example.com/app:1 in 2s');
});

test('messages and error fields are redacted on the way out', async () => {
  const lines = await capture(() => logger('x').error('auth failed for https://u:pw-Secret@h/', { err: new Error('password=pw-Secret') }));
  assert.doesNotMatch(lines.join(''), /pw-Secret/);
});

test('forwarded lines (a worker thread\'s) are written by the receiver through its own level and sink', async () => {
  setLogFormat('json');
  const sent: ForwardedLine[] = [];
  forwardLogs((l) => { sent.push(structuredClone(l)); });
  let direct: string[];
  try {
    direct = await capture(() => { logger('images/pull').info('layer source failed; trying the next', { layer: 'sha256:x', attempt: 2 }); logger('w').debug('detail'); });
  } finally {
    forwardLogs(undefined);
  }
  assert.deepEqual(direct, [], 'nothing written where the line was made');
  assert.deepEqual(sent.map((l) => [l.level, l.component, l.msg]), [['info', 'images/pull', 'layer source failed; trying the next'], ['debug', 'w', 'detail']]);
  setLogLevel('info');
  const lines = await capture(() => { for (const l of sent) logForwarded(l); });
  assert.equal(lines.length, 1, 'the receiver\'s level drops the debug line');
  const o = JSON.parse(lines[0]!);
  assert.deepEqual([o.component, o.msg, o.layer, o.attempt], ['images/pull', 'layer source failed; trying the next', 'sha256:x', 2]);
  setLogLevel('warn');
  assert.deepEqual(await capture(() => logForwarded(sent[0]!)), []);
  setLogLevel('info');
});
