import { createLogger } from '@jcp/log';
import t from 'tap';
import { apiFixture } from './fixture.js';
import { captureLog } from './log-capture.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

void t.test(
  'at info, a quick success logs nothing; a refusal logs its request, refusal and answer, in order',
  async (t) => {
    const { lines, stream } = captureLog();
    const { app } = await apiFixture(t, {
      logger: createLogger({ level: 'info', format: 'json', name: 'test' }, stream),
    });
    const ok = await app.inject({ url: '/offices/carlisle-8504', headers: { 'x-request-id': 'ok-1' } });
    t.equal(ok.statusCode, 200);
    const refused = await app.inject({
      url: '/offices/no-such-office-1',
      headers: { 'x-request-id': 'refused-1', authorization: 'Bearer jcp_secret-value' },
    });
    t.equal(refused.statusCode, 404);
    await settle();
    t.same(
      lines.filter((l) => l.reqId === 'ok-1'),
      [],
      'nothing about the quick success',
    );
    const mine = lines.filter((l) => l.reqId === 'refused-1');
    t.same(
      mine.map((l) => l.msg),
      ['incoming request', 'request refused', 'request completed'],
    );
    t.match(mine[0], { level: 30, req: { method: 'GET', url: '/offices/no-such-office-1' } });
    t.match(mine[2], { level: 30, res: { statusCode: 404 }, responseTime: Number });
    t.notMatch(JSON.stringify(lines), /jcp_secret-value/, 'the token is never logged');
  },
);

void t.test('at info, a slow success is logged with its time', async (t) => {
  const { lines, stream } = captureLog();
  const { app } = await apiFixture(t, {
    logger: createLogger({ level: 'info', format: 'json', name: 'test' }, stream),
    slowRequestMs: 0,
  });
  const ok = await app.inject({ url: '/offices/carlisle-8504', headers: { 'x-request-id': 'slow-1' } });
  t.equal(ok.statusCode, 200);
  await settle();
  const mine = lines.filter((l) => l.reqId === 'slow-1');
  t.same(
    mine.map((l) => l.msg),
    ['incoming request', 'request completed'],
  );
  t.match(mine[1], { level: 30, slow: true, res: { statusCode: 200 }, responseTime: Number });
});

void t.test('at debug, every request is logged', async (t) => {
  const { lines, stream } = captureLog();
  const { app } = await apiFixture(t, {
    logger: createLogger({ level: 'debug', format: 'json', name: 'test' }, stream),
  });
  const ok = await app.inject({ url: '/offices/carlisle-8504', headers: { 'x-request-id': 'debug-1' } });
  t.equal(ok.statusCode, 200);
  await settle();
  const mine = lines.filter((l) => l.reqId === 'debug-1');
  t.same(
    mine.map((l) => [l.level, l.msg]),
    [
      [20, 'incoming request'],
      [20, 'request completed'],
    ],
  );
  t.match(mine[0], { req: { method: 'GET', url: '/offices/carlisle-8504' } });
});
