import { acceptsGzip, gzipETag } from '@jcp/api';
import t from 'tap';

void t.test('Accept-Encoding: gzip accepted or not (RFC 9110)', async (t) => {
  const cases: [string | string[] | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['identity', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['gzip;q=0', false],
    ['gzip;q=0.0, *', false],
    ['*', true],
    ['*;q=0', false],
    ['deflate, br', false],
    ['gzip;q=abc', false],
    [['deflate', 'gzip'], true],
    [`${'x'.repeat(2000)}, gzip`, false],
  ];
  for (const [header, accepted] of cases) t.equal(acceptsGzip(header), accepted, JSON.stringify(header)?.slice(0, 60));
});

void t.test('the compressed answer has its own ETag', async (t) => {
  t.equal(gzipETag('"abc"'), '"abc-gzip"');
});
