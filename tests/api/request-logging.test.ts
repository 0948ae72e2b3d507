import { buildApp } from '@jcp/api';
import { createLogger } from '@jcp/log';
import { createTestDatabase } from '@jcp/testing';
import t from 'tap';
import { migrations } from './fixture.js';
import { captureLog } from './log-capture.js';

void t.test(
  'request logs keep their request id, and a request that logs nothing at the level in force creates no logger',
  async (t) => {
    const database = await createTestDatabase(t);
    for (const level of ['info', 'warn'] as const) {
      const { lines, stream } = captureLog();
      const app = await buildApp({
        database,
        migrations,
        logger: createLogger({ level, format: 'json', name: 'test' }, stream),
      });
      t.teardown(() => app.close());
      const res = await app.inject({
        url: '/offices/no-such-office-1',
        headers: { 'x-request-id': `req-${level}`, authorization: 'Bearer jcp_secret-value' },
      });
      t.equal(res.statusCode, 404);
      await new Promise((resolve) => setImmediate(resolve));
      const mine = lines.filter((l) => l.reqId === `req-${level}`);
      if (level === 'info') {
        t.ok(
          mine.some((l) => l.msg === 'incoming request'),
          'the request is logged with its id',
        );
        t.ok(
          mine.some((l) => l.msg === 'request refused'),
          'and so is the refusal, from the handler',
        );
        t.notMatch(JSON.stringify(lines), /jcp_secret-value/, 'the token is never logged');
      } else {
        t.same(mine, [], 'nothing below warn');
      }
    }
  },
);
