import fc from 'fast-check';
import t from 'tap';
import {
  DEFAULT_MENTION_POLICY,
  decideMention,
  type MentionDecisionResult,
  type MentionFacts,
  type MentionPolicy,
  type Understanding,
} from '../src/index.js';

const status: Understanding = { intent: 'status', language: 'en', when: 'now', offices: [], stop: false };
const other: Understanding = { ...status, intent: 'other' };
const stop: Understanding = { ...other, stop: true };

/** A status question to an account that answers, from someone who may be answered. */
const base: MentionFacts = {
  understanding: status,
  fromOwnAccount: false,
  isRepost: false,
  invalidUsername: false,
  ageSeconds: 60,
  optedOut: false,
  autoReplies: true,
  signpostReplies: false,
  recentRepliesToAuthor: 0,
  repliesInConversation: 0,
  signpostedToday: false,
};
const facts = (extra: Partial<MentionFacts>): MentionFacts => ({ ...base, ...extra });

const reply: MentionDecisionResult = { action: 'reply', reason: 'status-question', inbox: false };
const signpost: MentionDecisionResult = { action: 'signpost', reason: 'not-a-status-question', inbox: true };
const inbox = (reason: MentionDecisionResult['reason']): MentionDecisionResult => ({
  action: 'inbox',
  reason,
  inbox: true,
});
const ignored = (reason: 'own-account' | 'repost'): MentionDecisionResult => ({
  action: 'ignored',
  reason,
  inbox: false,
});
const optedOut: MentionDecisionResult = { action: 'opted-out', reason: 'asked-to-stop', inbox: false };

void t.test('the default policy', async (t) => {
  t.same(DEFAULT_MENTION_POLICY, { maxAgeSeconds: 3600, userReplyLimit: 3, conversationReplyLimit: 2 });
  t.ok(Object.isFrozen(DEFAULT_MENTION_POLICY));
});

void t.test('decideMention: one case per rule, with the boundaries', async (t) => {
  const { maxAgeSeconds, userReplyLimit, conversationReplyLimit } = DEFAULT_MENTION_POLICY;
  const cases: [string, Partial<MentionFacts>, MentionDecisionResult][] = [
    // Never answered, never in the inbox.
    ['own account', { fromOwnAccount: true }, ignored('own-account')],
    ['own account, even a stop', { fromOwnAccount: true, understanding: stop }, ignored('own-account')],
    ['repost', { isRepost: true }, ignored('repost')],
    ['repost of a stop', { isRepost: true, understanding: stop }, ignored('repost')],
    ['stop', { understanding: stop }, optedOut],
    ['stop, already opted out', { understanding: stop, optedOut: true }, optedOut],
    ['stop with signposting on', { understanding: stop, signpostReplies: true }, optedOut],
    ['stop as a status question', { understanding: { ...status, stop: true } }, optedOut],

    // Not a status question: the inbox, with a signpost when the account sends one.
    ['other, signposting off', { understanding: other }, inbox('not-a-status-question')],
    [
      'other, signposting off, auto replies off',
      { understanding: other, autoReplies: false },
      inbox('not-a-status-question'),
    ],
    ['other, signposting on', { understanding: other, signpostReplies: true }, signpost],
    [
      'other, signposting on, auto replies off (signposting is its own switch)',
      { understanding: other, signpostReplies: true, autoReplies: false },
      signpost,
    ],
    [
      'other, signposted today',
      { understanding: other, signpostReplies: true, signpostedToday: true },
      inbox('not-a-status-question'),
    ],
    [
      'other, opted out',
      { understanding: other, signpostReplies: true, optedOut: true },
      inbox('not-a-status-question'),
    ],
    ['other, exactly max age', { understanding: other, signpostReplies: true, ageSeconds: maxAgeSeconds }, signpost],
    [
      'other, too old',
      { understanding: other, signpostReplies: true, ageSeconds: maxAgeSeconds + 1 },
      inbox('not-a-status-question'),
    ],
    [
      'other, below the conversation limit',
      { understanding: other, signpostReplies: true, repliesInConversation: conversationReplyLimit - 1 },
      signpost,
    ],
    [
      'other, conversation limit',
      { understanding: other, signpostReplies: true, repliesInConversation: conversationReplyLimit },
      inbox('not-a-status-question'),
    ],
    [
      'other, below the throttle',
      { understanding: other, signpostReplies: true, recentRepliesToAuthor: userReplyLimit - 1 },
      signpost,
    ],
    [
      'other, throttled',
      { understanding: other, signpostReplies: true, recentRepliesToAuthor: userReplyLimit },
      inbox('not-a-status-question'),
    ],

    // A status question: answered unless something stops it.
    ['status', {}, reply],
    ['status, signposting on too', { signpostReplies: true, signpostedToday: true }, reply],
    ['status, opted out', { optedOut: true }, inbox('opted-out')],
    ['status, auto replies off', { autoReplies: false }, inbox('auto-replies-off')],
    ['status, just posted', { ageSeconds: 0 }, reply],
    ['status, exactly max age is still answered', { ageSeconds: maxAgeSeconds }, reply],
    ['status, one second over max age', { ageSeconds: maxAgeSeconds + 1 }, inbox('too-old')],
    ['status, a day old', { ageSeconds: 86_400 }, inbox('too-old')],
    ['status, one reply in the conversation', { repliesInConversation: conversationReplyLimit - 1 }, reply],
    ['status, conversation limit', { repliesInConversation: conversationReplyLimit }, inbox('conversation-limit')],
    [
      'status, over the conversation limit',
      { repliesInConversation: conversationReplyLimit + 5 },
      inbox('conversation-limit'),
    ],
    ['status, one below the throttle', { recentRepliesToAuthor: userReplyLimit - 1 }, reply],
    ['status, at the throttle', { recentRepliesToAuthor: userReplyLimit }, inbox('throttled')],
    ['status, over the throttle', { recentRepliesToAuthor: userReplyLimit + 1 }, inbox('throttled')],

    // A username that is not a valid X username: never a reply of any kind, always a person.
    ['status, invalid username', { invalidUsername: true }, inbox('invalid-username')],
    [
      'other, signposting on, invalid username',
      { understanding: other, signpostReplies: true, invalidUsername: true },
      inbox('invalid-username'),
    ],
    [
      'status, auto replies off, invalid username',
      { autoReplies: false, invalidUsername: true },
      inbox('invalid-username'),
    ],
    ['stop, invalid username (an opt-out needs no reply)', { understanding: stop, invalidUsername: true }, optedOut],
    ['own account, invalid username', { fromOwnAccount: true, invalidUsername: true }, ignored('own-account')],
  ];
  for (const [name, extra, expected] of cases) t.same(decideMention(facts(extra)), expected, name);
});

void t.test('decideMention: precedence when several rules apply', async (t) => {
  const everything: Partial<MentionFacts> = {
    fromOwnAccount: true,
    isRepost: true,
    understanding: stop,
    invalidUsername: true,
    autoReplies: false,
    optedOut: true,
    ageSeconds: 1e6,
    repliesInConversation: 99,
    recentRepliesToAuthor: 99,
  };
  // Peel the rules off one at a time, in the order the code checks them.
  const steps: [string, Partial<MentionFacts>, MentionDecisionResult][] = [
    ['own account first', {}, ignored('own-account')],
    ['then repost', { fromOwnAccount: false }, ignored('repost')],
    ['then stop', { isRepost: false }, optedOut],
    ['then an invalid username', { understanding: status }, inbox('invalid-username')],
    ['then auto replies off', { invalidUsername: false }, inbox('auto-replies-off')],
    ['then opted out', { autoReplies: true }, inbox('opted-out')],
    ['then too old', { optedOut: false }, inbox('too-old')],
    ['then the conversation limit', { ageSeconds: 0 }, inbox('conversation-limit')],
    ['then throttled', { repliesInConversation: 0 }, inbox('throttled')],
    ['then a reply', { recentRepliesToAuthor: 0 }, reply],
  ];
  let current = facts(everything);
  for (const [name, change, expected] of steps) {
    current = { ...current, ...change };
    t.same(decideMention(current), expected, name);
  }
});

void t.test('decideMention: a custom policy', async (t) => {
  const policy: MentionPolicy = { maxAgeSeconds: 10, userReplyLimit: 1, conversationReplyLimit: 5 };
  t.same(decideMention(facts({ ageSeconds: 10 }), policy), reply);
  t.same(decideMention(facts({ ageSeconds: 11 }), policy), inbox('too-old'));
  t.same(decideMention(facts({ ageSeconds: 0, recentRepliesToAuthor: 1 }), policy), inbox('throttled'));
  t.same(decideMention(facts({ ageSeconds: 0, repliesInConversation: 4 }), policy), reply);
  t.same(decideMention(facts({ ageSeconds: 0, repliesInConversation: 5 }), policy), inbox('conversation-limit'));
  const never: MentionPolicy = { maxAgeSeconds: 3600, userReplyLimit: 0, conversationReplyLimit: 2 };
  t.same(decideMention(facts({}), never), inbox('throttled'), 'a limit of 0 never replies');
  t.same(
    decideMention(facts({ understanding: other, signpostReplies: true }), never),
    inbox('not-a-status-question'),
    'nor signposts',
  );
});

void t.test('property: the inbox flag matches the action; no reply to ourselves, a repost or a stop', async (t) => {
  const understanding: fc.Arbitrary<Understanding> = fc.record({
    intent: fc.constantFrom('status' as const, 'other' as const),
    language: fc.constantFrom('en' as const, 'cy' as const),
    when: fc.constantFrom('now' as const, 'today' as const, 'tomorrow' as const),
    offices: fc.array(fc.string(), { maxLength: 2 }),
    stop: fc.boolean(),
  });
  const arbitraryFacts: fc.Arbitrary<MentionFacts> = fc.record({
    understanding,
    fromOwnAccount: fc.boolean(),
    isRepost: fc.boolean(),
    invalidUsername: fc.boolean(),
    ageSeconds: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(3599, 3600, 3601)),
    optedOut: fc.boolean(),
    autoReplies: fc.boolean(),
    signpostReplies: fc.boolean(),
    recentRepliesToAuthor: fc.integer({ min: 0, max: 5 }),
    repliesInConversation: fc.integer({ min: 0, max: 4 }),
    signpostedToday: fc.boolean(),
  });
  const policy: fc.Arbitrary<MentionPolicy> = fc.oneof(
    fc.constant(DEFAULT_MENTION_POLICY),
    fc.record({
      maxAgeSeconds: fc.integer({ min: 0, max: 10_000 }),
      userReplyLimit: fc.integer({ min: 0, max: 5 }),
      conversationReplyLimit: fc.integer({ min: 0, max: 5 }),
    }),
  );
  fc.assert(
    fc.property(arbitraryFacts, policy, (f, p) => {
      const d = decideMention(f, p);
      if (d.inbox !== (d.action === 'inbox' || d.action === 'signpost')) return false;
      const answers = d.action === 'reply' || d.action === 'signpost';
      if (answers && (f.fromOwnAccount || f.isRepost || f.understanding.stop || f.optedOut || f.invalidUsername))
        return false;
      // A username that breaks X's rule: a person sees it (unless it is ours, a repost or a stop, which nobody answers).
      if (
        f.invalidUsername &&
        !f.fromOwnAccount &&
        !f.isRepost &&
        !f.understanding.stop &&
        !(d.action === 'inbox' && d.reason === 'invalid-username')
      )
        return false;
      if (
        d.action === 'reply' &&
        (f.understanding.intent !== 'status' || !f.autoReplies || f.ageSeconds > p.maxAgeSeconds)
      )
        return false;
      if (
        d.action === 'reply' &&
        (f.recentRepliesToAuthor >= p.userReplyLimit || f.repliesInConversation >= p.conversationReplyLimit)
      )
        return false;
      if (d.action === 'signpost' && (f.understanding.intent === 'status' || !f.signpostReplies || f.signpostedToday))
        return false;
      return true;
    }),
    { numRuns: 2000, seed: 20260601 },
  );
  t.pass('2000 generated facts');
});
