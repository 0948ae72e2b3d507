/**
 * X's rule for a username (the handle after the @): 1 to 15 ASCII letters, digits or
 * underscores. Everything X tells us about a user is outside text until checked against
 * it: a username goes at the start of a reply, so a value that breaks the rule (spaces,
 * a URL, "x URGENT: …") must never reach a post.
 */
export const X_USERNAME_PATTERN = /^[A-Za-z0-9_]{1,15}$/;

/** Whether `value` is a string X would accept as a username. */
export function isXUsername(value: unknown): value is string {
  return typeof value === 'string' && X_USERNAME_PATTERN.test(value);
}
