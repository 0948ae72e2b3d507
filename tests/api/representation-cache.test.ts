import { RepresentationCache } from '@jcp/api';
import t from 'tap';

const body = (text: string) => ({ body: { text }, expiresAt: null });

void t.test('concurrent misses of one key share one render; a change meanwhile starts another', async (t) => {
  const cache = new RepresentationCache();
  cache.setListening(true);
  let renders = 0;
  const releases: (() => void)[] = [];
  const release = () => releases.shift()?.();
  const slow = () =>
    new Promise<ReturnType<typeof body>>((resolve) => {
      const n = ++renders;
      releases.push(() => resolve(body(`render ${n}`)));
    });
  const first = cache.getOrRender('offices', slow);
  const second = cache.getOrRender('offices', slow);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(renders, 1, 'one render for both');
  release();
  const [a, b] = await Promise.all([first, second]);
  t.equal(a, b, 'the same representation');
  t.equal(cache.get('offices'), a, 'and it is kept');

  cache.invalidate(['carlisle-8504']);
  const before = cache.getOrRender('offices', slow);
  await new Promise((resolve) => setImmediate(resolve));
  cache.invalidate(['carlisle-8504']);
  const after = cache.getOrRender('offices', slow);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(renders, 3, 'a miss after a change does not wait for a render begun before it');
  release();
  t.match(await before, { payload: '{"text":"render 2"}' }, 'the earlier caller gets its render');
  t.notOk(cache.get('offices'), 'a render begun before a change is not kept');
  release();
  t.match(await after, { payload: '{"text":"render 3"}' });
  t.equal(cache.get('offices'), await after, 'the one begun after it is');
});

void t.test('the cache is bounded: long keys are not kept, the least recently used go first', async (t) => {
  const cache = new RepresentationCache(Date.now, 10_000);
  cache.setListening(true);
  await cache.getOrRender(`offices?pad=${'x'.repeat(400)}`, async () => body('padded'));
  t.equal(cache.size, 0, 'a padded URL is answered, not kept');
  await cache.getOrRender('office:carlisle-8504', async () => body('x'.repeat(2000)));
  for (let i = 0; i < 20; i++) {
    await cache.getOrRender(`offices?q=${i}`, async () => body('y'.repeat(2000)));
    t.ok(cache.get('office:carlisle-8504'), `the hot entry stays (${i})`);
  }
  t.ok(cache.size <= 4, `at most what 10,000 bytes hold (${cache.size})`);
  t.notOk(cache.get('offices?q=0'), 'the oldest unused went first');
});
