// toMentionPosts: one page of a v2 read into mention posts (pure: no emulator).
import t from 'tap';
import { MENTION_TWEET_FIELDS, toMentionPosts } from '../src/index.js';

const users = [
  { id: '555', author_id: '555', username: 'Citizen' },
  { id: '1001', author_id: '555', username: 'JCPAlpha' },
];

void t.test('the fields asked for are the ones read', async (t) => {
  t.same(MENTION_TWEET_FIELDS.split(','), ['author_id', 'created_at', 'conversation_id', 'referenced_tweets', 'entities']);
});

void t.test('a plain mention: every field mapped', async (t) => {
  const [post] = toMentionPosts(
    [{ id: '1900000000000000001', text: '@JCPAlpha is Leeds open?', author_id: '555', created_at: '2026-11-26T10:00:00.000Z', conversation_id: '1900000000000000001', entities: { mentions: [{ username: 'JCPAlpha', start: 0 }] } }],
    users,
  );
  t.same(post, {
    id: '1900000000000000001',
    text: '@JCPAlpha is Leeds open?',
    authorId: '555',
    authorUsername: 'Citizen',
    createdAt: new Date('2026-11-26T10:00:00.000Z'),
    conversationId: '1900000000000000001',
    inReplyToId: null,
    mentions: ['jcpalpha'],
    isRepost: false,
  });
});

void t.test('no data, no posts; a post without its author is left out; missing fields have defaults', async (t) => {
  t.same(toMentionPosts(undefined, undefined), []);
  t.same(toMentionPosts([], users), []);
  t.same(toMentionPosts([{ id: '7', text: 'hello' }], undefined), [], 'no author_id: cannot be answered, throttled or told from our own');
  // An id is milliseconds since X's epoch (1288834974657), shifted 22 bits left.
  const [post] = toMentionPosts([{ id: '1900000000000000001', text: 'hello', author_id: '555' }], undefined);
  t.match(post, { id: '1900000000000000001', text: 'hello', authorId: '555', authorUsername: null, conversationId: null, inReplyToId: null, mentions: [], isRepost: false });
  t.equal(post!.createdAt.getTime(), Number((1_900_000_000_000_000_001n >> 22n) + 1_288_834_974_657n), 'no created_at: the time the id carries, never now');
});

void t.test('authorUsername from includes.users, by author id', async (t) => {
  const posts = toMentionPosts(
    [
      { id: '1', text: 'a', author_id: '1001' },
      { id: '2', text: 'b', author_id: '555' },
      { id: '3', text: 'c', author_id: '999' },
    ],
    users,
  );
  t.same(posts.map((p) => p.authorUsername), ['JCPAlpha', 'Citizen', null], 'as X spells it; null when not included');
  t.same(posts.map((p) => p.authorId), ['1001', '555', '999']);
  t.same(toMentionPosts([{ id: '1', text: 'a', author_id: '555' }], undefined)[0]!.authorUsername, null, 'no includes at all');
});

void t.test('X escapes &, < and > in text: undone once', async (t) => {
  const [post] = toMentionPosts([{ id: '1', author_id: '555', text: '@JCPAlpha Fish &amp; chips &lt;today&gt; &amp;lt; &quot;x&quot;' }], undefined);
  t.equal(post!.text, '@JCPAlpha Fish & chips <today> &lt; &quot;x&quot;', 'one pass; other entities left as they are');
});

void t.test('mentions: ordered by entity start, lower case, merged with those in the text, each once', async (t) => {
  const [post] = toMentionPosts(
    [{
      id: '1', author_id: '555',
      text: '@JCPBeta @JCPAlpha hi @Gamma and @jcpbeta again',
      entities: { mentions: [{ username: 'JCPAlpha', start: 9 }, { username: 'Gamma', start: 22 }, { username: 'JCPBeta', start: 0 }, { username: 'JCPBeta', start: 34 }] },
    }],
    undefined,
  );
  t.same(post!.mentions, ['jcpbeta', 'jcpalpha', 'gamma']);

  // A reply's leading mention that X puts in the entities but not in the text (no start) comes first.
  const [reply] = toMentionPosts([{ id: '2', author_id: '555', text: 'is it open @JCPAlpha?', entities: { mentions: [{ username: 'JCPAlpha', start: 11 }, { username: 'Citizen' }] } }], undefined);
  t.same(reply!.mentions, ['citizen', 'jcpalpha']);

  // Mentions in the text that X did not give as entities (an Activity API payload) follow them, in text order.
  const [merged] = toMentionPosts([{ id: '3', author_id: '555', text: '@Zed hello @JCPAlpha and @Beta', entities: { mentions: [{ username: 'JCPAlpha', start: 11 }] } }], undefined);
  t.same(merged!.mentions, ['jcpalpha', 'zed', 'beta']);

  const [textOnly] = toMentionPosts([{ id: '4', author_id: '555', text: '(@JCPAlpha), @JCPBeta: @JCPAlpha &amp; @Gamma' }], undefined);
  t.same(textOnly!.mentions, ['jcpalpha', 'jcpbeta', 'gamma'], 'from the text alone: in order, once each');
});

void t.test('what is not a mention in the text', async (t) => {
  const cases: [string, string[]][] = [
    ['mail jo@example.com', []],
    ['@@JCPAlpha', []],
    ['x@JCPAlpha', []],
    ['a lone @ sign', []],
    ['@abcdefghijklmno is fifteen', ['abcdefghijklmno']],
    ['@abcdefghijklmnop is sixteen: no one', []],
    ['@JCPAlpha_ is another user', ['jcpalpha_']],
    ['@JCPAlpha!', ['jcpalpha']],
    ['.@JCPAlpha', ['jcpalpha']],
  ];
  for (const [text, mentions] of cases) t.same(toMentionPosts([{ id: '1', author_id: '555', text }], undefined)[0]!.mentions, mentions, text);
});

void t.test('reposts: retweets and quotes by reference, or "RT @" text', async (t) => {
  const cases: [string, NonNullable<Parameters<typeof toMentionPosts>[0]>[number], boolean][] = [
    ['retweeted', { id: '1', author_id: '555', text: '@JCPAlpha open?', referenced_tweets: [{ type: 'retweeted', id: '9' }] }, true],
    ['quoted', { id: '1', author_id: '555', text: 'look @JCPAlpha', referenced_tweets: [{ type: 'quoted', id: '9' }] }, true],
    ['a reply that also quotes', { id: '1', author_id: '555', text: '@JCPAlpha', referenced_tweets: [{ type: 'replied_to', id: '8' }, { type: 'quoted', id: '9' }] }, true],
    ['replied_to only', { id: '1', author_id: '555', text: '@JCPAlpha open?', referenced_tweets: [{ type: 'replied_to', id: '9' }] }, false],
    ['RT text', { id: '1', author_id: '555', text: 'RT @someone: is @JCPAlpha open today?' }, true],
    ['RT text, escaped', { id: '1', author_id: '555', text: 'RT @someone: fish &amp; chips @JCPAlpha' }, true],
    ['RT not at the start', { id: '1', author_id: '555', text: 'please RT @JCPAlpha' }, false],
    ['lower-case rt', { id: '1', author_id: '555', text: 'rt @someone: @JCPAlpha' }, false],
    ['RT without a handle', { id: '1', author_id: '555', text: 'RT @ everyone' }, false],
    ['no references', { id: '1', author_id: '555', text: '@JCPAlpha open?', referenced_tweets: [] }, false],
  ];
  for (const [name, raw, repost] of cases) t.equal(toMentionPosts([raw], undefined)[0]!.isRepost, repost, name);
});

void t.test('inReplyToId from the replied_to reference only', async (t) => {
  const posts = toMentionPosts(
    [
      { id: '1', author_id: '555', text: 'a', referenced_tweets: [{ type: 'replied_to', id: '100' }] },
      { id: '2', author_id: '555', text: 'b', referenced_tweets: [{ type: 'quoted', id: '200' }, { type: 'replied_to', id: '201' }] },
      { id: '3', author_id: '555', text: 'c', referenced_tweets: [{ type: 'quoted', id: '300' }] },
      { id: '4', author_id: '555', text: 'd', referenced_tweets: [{ type: 'retweeted', id: '400' }] },
      { id: '5', author_id: '555', text: 'e', conversation_id: '50' },
    ],
    undefined,
  );
  t.same(posts.map((p) => p.inReplyToId), ['100', '201', null, null, null]);
  t.same(posts.map((p) => p.conversationId), [null, null, null, null, '50']);
});

void t.test('a page keeps its order', async (t) => {
  const posts = toMentionPosts([{ id: '3', author_id: '555', text: 'c' }, { id: '1', author_id: '555', text: 'a' }, { id: '2', author_id: '555', text: 'b' }], undefined);
  t.same(posts.map((p) => p.id), ['3', '1', '2']);
});
