// toMentionPosts: one page of a v2 read into mention posts (pure: no emulator).
import { postIdAt } from '@jcp/domain';
import t from 'tap';
import { MAX_POST_ID_SKEW_MS, MENTION_TWEET_FIELDS, toMentionPosts, type MentionReadOptions } from '../src/index.js';

const users = [
  { id: '555', author_id: '555', username: 'Citizen' },
  { id: '1001', author_id: '555', username: 'JCPAlpha' },
];

void t.test('the fields asked for are the ones read', async (t) => {
  t.same(MENTION_TWEET_FIELDS.split(','), [
    'author_id',
    'created_at',
    'conversation_id',
    'referenced_tweets',
    'entities',
  ]);
});

// A post made at 10:00:00.250 on 26 November 2026 (X's created_at has whole seconds only).
const ID = (BigInt(postIdAt(new Date('2026-11-26T10:00:00.250Z'))) + 77n).toString();
const NOW = Date.parse('2026-11-26T10:05:00Z');

void t.test('a plain mention: every field mapped', async (t) => {
  const [post] = toMentionPosts(
    [
      {
        id: ID,
        text: '@JCPAlpha is Leeds open?',
        author_id: '555',
        created_at: '2026-11-26T10:00:00.000Z',
        conversation_id: ID,
        entities: { mentions: [{ username: 'JCPAlpha', start: 0 }] },
      },
    ],
    users,
    { now: NOW },
  );
  t.same(post, {
    id: ID,
    text: '@JCPAlpha is Leeds open?',
    authorId: '555',
    authorUsername: 'Citizen',
    authorUsernameInvalid: false,
    createdAt: new Date('2026-11-26T10:00:00.000Z'),
    conversationId: ID,
    inReplyToId: null,
    mentions: ['jcpalpha'],
    isRepost: false,
  });
});

void t.test('no data, no posts; a post without its author is left out; missing fields have defaults', async (t) => {
  t.same(toMentionPosts(undefined, undefined), []);
  t.same(toMentionPosts([], users), []);
  t.same(
    toMentionPosts([{ id: '7', text: 'hello' }], undefined),
    [],
    'no author_id: cannot be answered, throttled or told from our own',
  );
  // An id is milliseconds since X's epoch (1288834974657), shifted 22 bits left.
  const [post] = toMentionPosts([{ id: '1900000000000000001', text: 'hello', author_id: '555' }], undefined);
  t.match(post, {
    id: '1900000000000000001',
    text: 'hello',
    authorId: '555',
    authorUsername: null,
    conversationId: null,
    inReplyToId: null,
    mentions: [],
    isRepost: false,
  });
  t.equal(
    post!.createdAt.getTime(),
    Number((1_900_000_000_000_000_001n >> 22n) + 1_288_834_974_657n),
    'no created_at: the time the id carries, never now',
  );
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
  t.same(
    posts.map((p) => p.authorUsername),
    ['JCPAlpha', 'Citizen', null],
    'as X spells it; null when not included',
  );
  t.same(
    posts.map((p) => p.authorId),
    ['1001', '555', '999'],
  );
  t.same(
    toMentionPosts([{ id: '1', text: 'a', author_id: '555' }], undefined)[0]!.authorUsername,
    null,
    'no includes at all',
  );
});

void t.test('X escapes &, < and > in text: undone once', async (t) => {
  const [post] = toMentionPosts(
    [{ id: '1', author_id: '555', text: '@JCPAlpha Fish &amp; chips &lt;today&gt; &amp;lt; &quot;x&quot;' }],
    undefined,
  );
  t.equal(post!.text, '@JCPAlpha Fish & chips <today> &lt; &quot;x&quot;', 'one pass; other entities left as they are');
});

void t.test('mentions: ordered by entity start, lower case, merged with those in the text, each once', async (t) => {
  const [post] = toMentionPosts(
    [
      {
        id: '1',
        author_id: '555',
        text: '@JCPBeta @JCPAlpha hi @Gamma and @jcpbeta again',
        entities: {
          mentions: [
            { username: 'JCPAlpha', start: 9 },
            { username: 'Gamma', start: 22 },
            { username: 'JCPBeta', start: 0 },
            { username: 'JCPBeta', start: 34 },
          ],
        },
      },
    ],
    undefined,
  );
  t.same(post!.mentions, ['jcpbeta', 'jcpalpha', 'gamma']);

  // A reply's leading mention that X puts in the entities but not in the text (no start) comes first.
  const [reply] = toMentionPosts(
    [
      {
        id: '2',
        author_id: '555',
        text: 'is it open @JCPAlpha?',
        entities: { mentions: [{ username: 'JCPAlpha', start: 11 }, { username: 'Citizen' }] },
      },
    ],
    undefined,
  );
  t.same(reply!.mentions, ['citizen', 'jcpalpha']);

  // Mentions in the text that X did not give as entities (an Activity API payload) follow them, in text order.
  const [merged] = toMentionPosts(
    [
      {
        id: '3',
        author_id: '555',
        text: '@Zed hello @JCPAlpha and @Beta',
        entities: { mentions: [{ username: 'JCPAlpha', start: 11 }] },
      },
    ],
    undefined,
  );
  t.same(merged!.mentions, ['jcpalpha', 'zed', 'beta']);

  const [textOnly] = toMentionPosts(
    [{ id: '4', author_id: '555', text: '(@JCPAlpha), @JCPBeta: @JCPAlpha &amp; @Gamma' }],
    undefined,
  );
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
  for (const [text, mentions] of cases)
    t.same(toMentionPosts([{ id: '1', author_id: '555', text }], undefined)[0]!.mentions, mentions, text);
});

void t.test('reposts: retweets and quotes by reference, or "RT @" text', async (t) => {
  const cases: [string, NonNullable<Parameters<typeof toMentionPosts>[0]>[number], boolean][] = [
    [
      'retweeted',
      { id: '1', author_id: '555', text: '@JCPAlpha open?', referenced_tweets: [{ type: 'retweeted', id: '9' }] },
      true,
    ],
    [
      'quoted',
      { id: '1', author_id: '555', text: 'look @JCPAlpha', referenced_tweets: [{ type: 'quoted', id: '9' }] },
      true,
    ],
    [
      'a reply that also quotes',
      {
        id: '1',
        author_id: '555',
        text: '@JCPAlpha',
        referenced_tweets: [
          { type: 'replied_to', id: '8' },
          { type: 'quoted', id: '9' },
        ],
      },
      true,
    ],
    [
      'replied_to only',
      { id: '1', author_id: '555', text: '@JCPAlpha open?', referenced_tweets: [{ type: 'replied_to', id: '9' }] },
      false,
    ],
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
      {
        id: '2',
        author_id: '555',
        text: 'b',
        referenced_tweets: [
          { type: 'quoted', id: '200' },
          { type: 'replied_to', id: '201' },
        ],
      },
      { id: '3', author_id: '555', text: 'c', referenced_tweets: [{ type: 'quoted', id: '300' }] },
      { id: '4', author_id: '555', text: 'd', referenced_tweets: [{ type: 'retweeted', id: '400' }] },
      { id: '5', author_id: '555', text: 'e', conversation_id: '50' },
    ],
    undefined,
  );
  t.same(
    posts.map((p) => p.inReplyToId),
    ['100', '201', null, null, null],
  );
  t.same(
    posts.map((p) => p.conversationId),
    [null, null, null, null, '50'],
  );
});

void t.test('a page keeps its order', async (t) => {
  const posts = toMentionPosts(
    [
      { id: '3', author_id: '555', text: 'c' },
      { id: '1', author_id: '555', text: 'a' },
      { id: '2', author_id: '555', text: 'b' },
    ],
    undefined,
  );
  t.same(
    posts.map((p) => p.id),
    ['3', '1', '2'],
  );
});

/** toMentionPosts with the rejections it reported. */
function read(
  data: Parameters<typeof toMentionPosts>[0],
  usersIn: Parameters<typeof toMentionPosts>[1] = undefined,
  options: MentionReadOptions = {},
) {
  const rejected: { id: string | null; reason: string }[] = [];
  const posts = toMentionPosts(data, usersIn, { now: NOW, ...options, onRejected: (r) => rejected.push(r) });
  return { posts, rejected };
}

void t.test('created_at is never later than the time in the post id', async (t) => {
  const idTime = new Date('2026-11-26T10:00:00.250Z');
  const at = (createdAt: string | undefined) =>
    read([{ id: ID, text: 'a', author_id: '555', ...(createdAt === undefined ? {} : { created_at: createdAt }) }])
      .posts[0]!.createdAt;
  t.same(
    at('2026-11-26T10:00:00.000Z'),
    new Date('2026-11-26T10:00:00.000Z'),
    "as X gives it (whole seconds, before the id's millisecond): kept",
  );
  t.same(at('2026-11-26T10:00:00.250Z'), idTime, 'the same instant: kept');
  t.same(at('2026-11-26T10:00:01.000Z'), idTime, "a second later than the id: the id's time");
  t.same(at('2099-01-01T00:00:00Z'), idTime, "far in the future (it would never age out): the id's time");
  t.same(at('2026-11-26T10:04:00Z'), idTime, "later than the id but not than now: still the id's time");
  t.same(
    at('2020-01-01T00:00:00Z'),
    new Date('2020-01-01T00:00:00Z'),
    'earlier: kept (an older post is only ever less likely to be answered)',
  );
  t.same(at('not a date'), idTime, "not a date: the id's time");
  t.same(at(undefined), idTime, "none: the id's time");

  // An old id with a fresh created_at is old.
  const old = postIdAt(new Date('2026-11-26T07:00:00Z'));
  t.same(
    read([{ id: old, text: 'a', author_id: '555', created_at: '2026-11-26T10:04:59Z' }]).posts[0]!.createdAt,
    new Date('2026-11-26T07:00:00Z'),
  );
});

void t.test('an id dated ahead of now by more than the skew is malformed: left out and reported by id', async (t) => {
  t.equal(MAX_POST_ID_SKEW_MS, 5 * 60_000);
  const within = postIdAt(new Date(NOW + MAX_POST_ID_SKEW_MS));
  const beyond = postIdAt(new Date(NOW + MAX_POST_ID_SKEW_MS + 1));
  const far = postIdAt(new Date('2040-01-01T00:00:00Z'));
  const huge = '99999999999999999999';
  const { posts, rejected } = read([
    { id: within, text: 'a', author_id: '555' },
    { id: beyond, text: 'b', author_id: '555', created_at: '2026-11-26T10:00:00Z' },
    { id: far, text: 'c', author_id: '555' },
    { id: huge, text: 'd', author_id: '555' },
  ]);
  t.same(
    posts.map((p) => p.id),
    [within],
    'up to the skew ahead is kept (clocks differ)',
  );
  t.same(rejected, [
    { id: beyond, reason: 'future-id' },
    { id: far, reason: 'future-id' },
    { id: huge, reason: 'future-id' },
  ]);
});

void t.test('ids that are not X ids are left out; references that are not X ids are dropped', async (t) => {
  const { posts, rejected } = read([
    { id: 'abc', text: 'a', author_id: '555' },
    { id: '', text: 'b', author_id: '555' },
    { id: '123456789012345678901', text: 'c', author_id: '555' },
    { id: ' 12', text: 'd', author_id: '555' },
    { id: '12', text: 'e', author_id: '55 5' },
    {
      id: '13',
      text: 'f',
      author_id: '555',
      conversation_id: 'x1',
      referenced_tweets: [{ type: 'replied_to', id: '1; drop' }],
    },
  ]);
  t.same(
    rejected,
    [
      { id: null, reason: 'malformed-id' },
      { id: null, reason: 'malformed-id' },
      { id: null, reason: 'malformed-id' },
      { id: null, reason: 'malformed-id' },
      { id: '12', reason: 'no-author' },
    ],
    'a malformed id is not repeated, even in the report',
  );
  t.same(
    posts.map((p) => [p.id, p.conversationId, p.inReplyToId]),
    [['13', null, null]],
  );
});

void t.test('usernames are kept only when they are valid X usernames', async (t) => {
  const hostile = 'x URGENT: all jobcentres closed, claim at https://evil.example';
  const people = [
    { id: '1', username: 'good_name' },
    { id: '2', username: hostile },
    { id: '3', username: 'sixteen_letters_' },
    { id: '4', username: '' },
    { id: '5', username: 'tab\tname' },
    { id: '6', username: 42 as unknown as string },
  ];
  const { posts } = read(
    ['1', '2', '3', '4', '5', '6', '7'].map((author) => ({ id: `1${author}`, text: 'hi', author_id: author })),
    people,
  );
  t.same(
    posts.map((p) => [p.authorId, p.authorUsername, p.authorUsernameInvalid]),
    [
      ['1', 'good_name', false],
      ['2', null, true],
      ['3', null, true],
      ['4', null, true],
      ['5', null, true],
      ['6', null, true],
      ['7', null, false],
    ],
    'an invalid one is dropped and flagged; a missing one is only missing',
  );
  t.notMatch(JSON.stringify(posts), /URGENT|evil/, 'the hostile value is nowhere in what is handed on');

  const [post] = read([
    {
      id: '9',
      author_id: '1',
      text: '@JCPAlpha hi',
      entities: {
        mentions: [
          { username: 'JCPAlpha', start: 0 },
          { username: hostile, start: 1 },
          { username: 'a b', start: 2 },
        ],
      },
    },
  ]).posts;
  t.same(post!.mentions, ['jcpalpha'], 'entity usernames that break the rule are dropped');
});
