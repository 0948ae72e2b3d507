/**
 * The account settings rule, defined once: what an account id, an X handle, an X user id,
 * languages, a posting window, a link and a coalescing window may be. The API's request
 * schemas are built from these fields (so they are also what the OpenAPI document shows),
 * and the settings use cases check every write with them, whoever calls.
 */
import { isPostableLink, X_USERNAME_PATTERN } from '@jcp/domain';
import type { AccountSettingsPatch } from '@jcp/db';
import { z } from 'zod';
import { fail } from '../problems.js';

export const accountIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
  .describe('Account id, e.g. district-105');
export const handleSchema = z
  .string()
  .regex(X_USERNAME_PATTERN, 'an X handle: 1-15 letters, digits or _')
  .describe('X handle without the @');
export const xUserIdSchema = z
  .string()
  .regex(/^[0-9]{1,20}$/, 'an X user id: 1-20 digits')
  .describe('The X user id of the account');
export const languagesSchema = z
  .array(z.enum(['en', 'cy']))
  .min(1)
  .max(2)
  .refine((l) => l.includes('en') && new Set(l).size === l.length, { message: "must be ['en'] or ['en', 'cy']" })
  .describe("Languages the account posts in: ['en'], or ['en', 'cy'] (Welsh too, in Wales)");
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time 'HH:MM'");
export const postingWindowSchema = z
  .object({ start: clock, end: clock })
  .strict()
  .refine((w) => w.start < w.end, {
    message: 'the window must start before it ends (it may not wrap midnight)',
    path: ['end'],
  })
  .describe('When the account posts, local (Europe/London) time');
export const linkSchema = z
  .string()
  .max(200)
  .regex(/^https:\/\/[^\s]+$/, 'an https:// URL')
  .refine(isPostableLink, 'a link X counts as 23 characters (a whole URL with a known top-level domain)')
  .nullable()
  .describe(
    'Posted once, in the first part of each post, when includeLinks is set (a post with a link costs about 13 times more)',
  );
export const coalesceSecondsSchema = z
  .number()
  .int()
  .min(0)
  .max(3600)
  .nullable()
  .describe('Changes within this many seconds become one post or thread; null: the service default');

/** Every setting of an account, each with its rule. */
export const accountSettingsFields = {
  name: z.string().trim().min(1).max(200).describe('Name of the place the account serves'),
  handle: handleSchema,
  xUserId: xUserIdSchema.nullable(),
  languages: languagesSchema,
  postingWindow: postingWindowSchema,
  includeLinks: z.boolean().describe('Add `link` to posts'),
  link: linkSchema,
  allowUrgent: z.boolean().describe('Urgent notices may be posted outside the posting window'),
  coalesceSeconds: coalesceSecondsSchema,
  autoReplies: z
    .boolean()
    .describe('Mentions asking whether an office is open get a templated reply (off: they go to the inbox)'),
  signpostReplies: z
    .boolean()
    .describe(
      'Other mentions get a polite signposting reply, at most one per user per day (they go to the inbox either way)',
    ),
};

/** What a replaced account's settings are when left out (xUserId is kept instead). */
export const ACCOUNT_SETTINGS_DEFAULTS = {
  languages: ['en'],
  postingWindow: { start: '08:00', end: '23:00' },
  includeLinks: false,
  link: null,
  allowUrgent: false,
  coalesceSeconds: null,
  autoReplies: true,
  signpostReplies: false,
} as const satisfies AccountSettingsPatch;

const patchRule = z
  .object(
    Object.fromEntries(Object.entries(accountSettingsFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof accountSettingsFields]: z.ZodOptional<(typeof accountSettingsFields)[K]>;
    },
  )
  .strict();

/** A problem of a settings write: the field (a JSON pointer) and what is wrong with it. */
export interface SettingsError {
  path: string;
  message: string;
}

/** The errors of some settings (and of the account id, when given): none when they may be stored. */
export function accountSettingsErrors(settings: unknown, id?: string): SettingsError[] {
  const errors: SettingsError[] = [];
  if (id !== undefined && !accountIdSchema.safeParse(id).success)
    errors.push({ path: '/id', message: 'must match ^[a-z0-9][a-z0-9-]{0,62}$' });
  const parsed = patchRule.safeParse(settings);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      errors.push({ path: `/${issue.path.map(String).join('/')}`, message: issue.message });
  return errors;
}

/** The settings as they will be stored (names trimmed), or ACCOUNT_REJECTED naming every field that breaks the rule. */
export function checkAccountSettings<T extends AccountSettingsPatch>(settings: T, id?: string): T {
  const errors = accountSettingsErrors(settings, id);
  if (errors.length > 0)
    throw fail(
      'ACCOUNT_REJECTED',
      `the account settings are not valid: ${errors.map((e) => `${e.path.slice(1) || 'settings'} ${e.message}`).join('; ')}`,
      { errors },
    );
  return { ...settings, ...(settings.name !== undefined ? { name: settings.name.trim() } : {}) };
}
