// The X Activity API webhook: X proves it knows the app's consumer secret (CRC), then
// delivers `post.mention.create` events, each signed over its raw body. Mentions go
// through the same receiveMentions as the poller, so a mention read both ways is stored
// once and answered once (keyed by its X post id, under a per-author lock).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMention } from '@jcp/domain';
import type { MentionPolicy } from '@jcp/domain';
import { toIncoming, toMentionPosts, type MentionRejection } from '@jcp/x-client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail, mentionRouting, officeIndexSource, receiveMentions } from '@jcp/use-cases';
import type { RateLimitSettings } from '../plugins/rate-limit.js';
import { problemSchema } from '../schemas.js';

/** The webhook's settings: X signs with the app's consumer secret. */
export interface MentionWebhookOptions {
  /** The X app's consumer secret (API key secret): the key of the CRC answer and of every delivery's signature. */
  appSecret: string;
  policy?: MentionPolicy;
  /** The per-user reply throttle's window (default an hour, as for the poller). */
  throttleWindowMs?: number;
  /** CRC challenges answered per caller address and window (default CRC_RATE_LIMIT). */
  crcRateLimit?: RateLimitSettings;
}

export interface WebhookRoutesOptions {
  mentions?: MentionWebhookOptions | undefined;
  /** OPT_OUT_HASH_KEY (required with `mentions`): opt-outs are kept as keyed hashes of their authors. */
  optOutKey?: Buffer | undefined;
}

export const WEBHOOK_PATH = '/webhooks/x';
export const SIGNATURE_HEADER = 'x-twitter-webhooks-signature';
const MENTION_EVENT = 'post.mention.create';

/**
 * X calls the CRC when the webhook is registered, about hourly after, and when asked to
 * (a PUT): a few a minute from one address is far more than it needs.
 */
export const CRC_RATE_LIMIT: RateLimitSettings = Object.freeze({ max: 5, windowMs: 60_000 });

/**
 * The shape of X's CRC challenge. X sends base64 of a random UUID (48 characters, such as
 * `M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0`); the rule admits base64 and base64url
 * (with or without padding) from 16 to 128 characters, so a change of encoding or length
 * at X still passes, and nothing else: no `{`, `"`, `[`, `:`, `.`, `,` or white space.
 */
export const CRC_TOKEN_PATTERN = /^[A-Za-z0-9_+/-]{16,128}={0,2}$/;

/** Whether `token` has the shape of X's CRC challenge (only such a token is answered). */
export function isCrcToken(token: string): boolean {
  return CRC_TOKEN_PATTERN.test(token);
}

/**
 * Whether `body` is JSON text of an object: its first byte after JSON's white space is `{`.
 * A delivery is always one. Together with CRC_TOKEN_PATTERN (which has no `{`) this keeps
 * what the CRC signs and what the webhook accepts as signed apart: the same HMAC under the
 * same secret serves both, so without this the CRC answer would sign forged deliveries.
 */
export function isJsonObjectText(body: Buffer | string): boolean {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  for (const byte of bytes) {
    // JSON's white space: space, tab, line feed, carriage return.
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b;
  }
  return false;
}

/** `sha256=` + base64(HMAC-SHA256(secret, payload)): X's CRC answer and delivery signature alike. */
export function xWebhookSignature(secret: string, payload: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(payload).digest('base64')}`;
}

/** Constant time once the lengths match (timingSafeEqual throws on unequal lengths; the length is no secret). */
function signatureMatches(secret: string, raw: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(xWebhookSignature(secret, raw));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// --- schemas ---------------------------------------------------------------------------------

const xId = z.string().regex(/^\d{1,20}$/, 'an X id: 1-20 digits');

/**
 * The envelope, read liberally: unknown fields pass, every field is optional (an event we
 * cannot use is acknowledged and ignored), and `payload` is anything, since other event
 * types carry other objects. Only a mention's payload is checked, by `mentionPayload`.
 */
const eventSchema = z
  .object({
    event_uuid: z.string().max(200).optional(),
    event_type: z
      .string()
      .max(200)
      .optional()
      .describe(`Only \`${MENTION_EVENT}\` is used; other types are acknowledged and ignored`),
    tag: z.string().max(500).optional(),
    filter: z
      .object({
        user_id: z.string().max(40).optional().describe('The X user id of the account mentioned (one of ours)'),
      })
      .loose()
      .optional(),
    payload: z
      .unknown()
      .optional()
      .describe(
        'For post.mention.create: a v2 post object (id, text, author_id, created_at, conversation_id, referenced_tweets, entities)',
      ),
    includes: z
      .unknown()
      .optional()
      .describe(
        "Expansions: `users` ({id, username}) gives the author's username (used only when it is a valid X username: 1-15 letters, digits or _)",
      ),
  })
  .loose()
  .meta({ id: 'XActivityEvent' });

const deliverySchema = z
  .object({
    data: z
      .union([eventSchema, z.array(eventSchema).max(1000)])
      .optional()
      .describe('One event, or several'),
  })
  .loose()
  .meta({ id: 'XActivityDelivery' });

/** The fields of a mention's v2 post the pipeline reads; anything else passes. */
const mentionPayload = z
  .object({
    id: xId,
    // Any length the body limit (1 MiB) lets through: a longer text is cut to MENTION_TEXT_MAX
    // before any work (capMentionText), never refused, since an ignored event is never delivered again.
    text: z.string(),
    author_id: xId.optional(),
    created_at: z.iso.datetime({ offset: true }).optional(),
    conversation_id: xId.optional(),
    referenced_tweets: z.array(z.object({ type: z.string(), id: xId }).loose()).optional(),
    entities: z
      .object({
        mentions: z.array(z.object({ username: z.string(), start: z.number().optional() }).loose()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
// The username is judged by toMentionPosts (X's rule): whatever it is, it is handed on as unknown.
const includesSchema = z
  .object({ users: z.array(z.object({ id: z.string(), username: z.unknown() }).loose()).optional() })
  .loose();

const receiptSchema = z
  .object({
    received: z.number().int().describe('Events in the delivery'),
    stored: z.number().int().describe('Mentions stored now (and answered, when they ask)'),
    duplicates: z
      .number()
      .int()
      .describe('Mentions stored before (delivered again, or read by the poller first): not answered again'),
    ignored: z.number().int().describe('Other event types, mentions of accounts that are not ours, malformed events'),
  })
  .meta({ id: 'WebhookReceipt' });

// --- routes ----------------------------------------------------------------------------------

/**
 * Deliveries are open to X: no bearer token even when reads need one (X authenticates by
 * signature), and not rate limited: X delivers from a few addresses, in bursts exactly
 * when offices close and people ask, and a refused delivery is a late reply. An unsigned
 * request costs one HMAC and touches no database. The CRC is public too, but it is
 * rate limited per address (its own budget): it computes the HMAC for whoever asks.
 * The text is X's (what citizens wrote), so the rule against control and format
 * characters in a caller's free text does not apply.
 */
const WEBHOOK = { public: true, rateLimit: false, relaysOutsideText: true } as const;

const notConfigured = () => fail('WEBHOOK_NOT_CONFIGURED', 'The X webhook is not configured (no X app secret)');
const badSignature = () => fail('INVALID_SIGNATURE', `${SIGNATURE_HEADER} is missing or does not sign this body`);
const notAnObject = () => fail('NOT_A_DELIVERY', 'An X Activity API delivery is a JSON object');

const webhooks: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, options) => {
  const settings = options.mentions;
  if (settings && settings.appSecret.length === 0)
    throw new Error('mentions.appSecret must not be empty: an empty HMAC key signs anything anybody sends');
  const crcLimit = settings?.crcRateLimit ?? CRC_RATE_LIMIT;
  if (!(crcLimit.max > 0 && crcLimit.windowMs > 0))
    throw new Error('mentions.crcRateLimit needs a positive max and window: the CRC answer is never unlimited');
  const secret = settings?.appSecret ?? null;
  const optOutKey = options.optOutKey;
  if (settings && !optOutKey)
    throw new Error('the X webhook needs the opt-out key (privacy.optOutKey): who said stop is kept as a keyed hash');
  const offices = officeIndexSource({ db: app.db });
  // Requests whose body this plugin's parser checked against the signature.
  const verified = new WeakSet<FastifyRequest>();
  const parseJson = app.getDefaultJsonParser('error', 'error');

  // This plugin only (it is encapsulated): the signature is over the raw bytes, so the
  // body is read as a Buffer, checked, then parsed with Fastify's own JSON parser (the
  // same prototype-poisoning rules and 400s as every other route). Every other media type
  // is refused (415): nothing reaches the handler unsigned. Only a JSON object can be a
  // delivery, and no CRC token is one: a body the CRC could have signed is never taken
  // as signed, whatever the CRC's own checks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    const body = raw as Buffer;
    if (secret === null) {
      done(notConfigured(), undefined);
      return;
    }
    if (!isJsonObjectText(body)) {
      done(notAnObject(), undefined);
      return;
    }
    if (!signatureMatches(secret, body, request.headers[SIGNATURE_HEADER])) {
      done(badSignature(), undefined);
      return;
    }
    verified.add(request);
    void parseJson(request, body.toString('utf8'), done);
  });

  app.addHook('onRequest', async (_request, reply) => {
    // A CRC answer and a receipt are for the caller alone, now.
    reply.header('cache-control', 'no-store');
  });

  app.get(
    WEBHOOK_PATH,
    {
      config: { public: true, rateLimit: crcLimit },
      schema: {
        summary: 'X Activity API challenge (CRC): proves this service holds the X app secret',
        description:
          'X calls this when the webhook is registered and about hourly after. The answer is `sha256=` + base64(HMAC-SHA256(app secret, crc_token)). ' +
          'Only a token of the shape X sends is answered (base64 or base64url, 16-128 characters): anything else, a JSON body above all, is a 400, so the answer can never sign a delivery. ' +
          `Rate limited per address, whatever the app-wide limit: ${CRC_RATE_LIMIT.max} a minute unless configured otherwise (429 beyond). 503 when the service has no X app secret (the webhook is not configured).`,
        tags: ['webhooks'],
        querystring: z.object({
          crc_token: z
            .string()
            .regex(CRC_TOKEN_PATTERN, "base64 or base64url, 16-128 characters (the shape of X's CRC token)")
            .describe('The challenge X sends (base64 of a random UUID)'),
        }),
        response: {
          200: z
            .object({
              response_token: z.string().describe('sha256=<base64 HMAC-SHA256 of crc_token with the app secret>'),
            })
            .meta({ id: 'CrcResponse' }),
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request) => {
      if (secret === null) throw notConfigured();
      return { response_token: xWebhookSignature(secret, request.query.crc_token) };
    },
  );

  app.post(
    WEBHOOK_PATH,
    {
      config: WEBHOOK,
      // A body that never reached the parser (none at all) is unsigned too.
      preValidation: async (request) => {
        if (secret === null) throw notConfigured();
        if (!verified.has(request)) throw badSignature();
      },
      schema: {
        summary: 'X Activity API deliveries: mentions of our accounts, answered like the ones the poller reads',
        description:
          `Signed by X: \`${SIGNATURE_HEADER}\` is \`sha256=\` + base64(HMAC-SHA256(app secret, raw body)); a missing or wrong signature is a 401 and nothing is stored; a body that is not a JSON object is a 400. ` +
          'A mention whose author has a username that is not a valid X username is stored (without it) and goes to the inbox, unanswered; its time is never later than the time in its post id, and a mention whose id is dated in the future is ignored. ' +
          `\`${MENTION_EVENT}\` events are stored, classified and answered once each (a mention the poller also read, or a delivery X repeats, counts as a duplicate); ` +
          'other event types are acknowledged and ignored. A 503 (database unreachable, or the webhook not configured) asks X to deliver again.',
        tags: ['webhooks'],
        body: deliverySchema,
        response: { 200: receiptSchema, 400: problemSchema, 401: problemSchema, 503: problemSchema },
      },
    },
    async (request) => {
      const data = request.body.data;
      const events = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const mentionEvents = events.filter((e) => e.event_type === MENTION_EVENT);
      const incoming: IncomingMention[] = [];
      if (mentionEvents.length > 0) {
        // As the poller: every account with an X identity is ours to answer for.
        const { byUserId, byHandle } = await mentionRouting({ db: app.db });
        for (const event of mentionEvents) {
          // Ids only in the logs: never the text or a username (personal data).
          const at = { event: event.event_uuid, account: event.filter?.user_id };
          const payload = mentionPayload.safeParse(event.payload);
          if (!payload.success) {
            request.log.warn(
              { ...at, problems: payload.error.issues.map((i) => i.path.join('.')) },
              'X webhook: a mention event without a usable post; ignored',
            );
            continue;
          }
          const users = includesSchema.safeParse(event.includes ?? {});
          const rejected: MentionRejection[] = [];
          const [post] = toMentionPosts([payload.data], users.success ? users.data.users : undefined, {
            onRejected: (r) => rejected.push(r.reason),
          });
          if (!post) {
            // Without its author it cannot be answered or throttled; an id dated in the future is malformed.
            request.log.warn(
              { ...at, post: payload.data.id, reason: rejected[0] },
              'X webhook: a mention that cannot be used; ignored',
            );
            continue;
          }
          // The subscription's account first (X says whom it is for); else, as the poller,
          // the first of our accounts the post mentions.
          const mention = toIncoming(post, byHandle, byUserId.get(event.filter?.user_id ?? ''));
          if (!mention) {
            request.log.warn({ ...at, post: post.id }, 'X webhook: a mention of an account that is not ours; ignored');
            continue;
          }
          incoming.push(mention);
        }
      }
      // Not caught: a database error is a 503 (or 500), and X delivers again later; the
      // transaction stored nothing, so the retry is as good as the first delivery.
      const result =
        incoming.length === 0
          ? { stored: [], duplicates: 0 }
          : await receiveMentions({ db: app.db }, incoming, {
              source: 'webhook',
              offices: await offices(),
              optOutKey: optOutKey!,
              ...(settings?.policy ? { policy: settings.policy } : {}),
              ...(settings?.throttleWindowMs ? { throttleWindowMs: settings.throttleWindowMs } : {}),
            });
      const stored = result.stored.length;
      // Counted against the events mapped, so that a mention twice in one delivery is a duplicate too.
      const duplicates = incoming.length - stored;
      const receipt = { received: events.length, stored, duplicates, ignored: events.length - incoming.length };
      if (stored > 0 || duplicates > 0) {
        request.log.info(
          { ...receipt, replies: result.stored.filter((s) => s.replyPostId !== null).length },
          'X webhook: mentions received',
        );
      }
      for (const s of result.stored)
        request.log.debug({ mention: s.id, decision: s.decision, reason: s.reason }, 'mention ingested');
      return receipt;
    },
  );
};

export default webhooks;
