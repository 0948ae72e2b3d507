// OAuth 1.0a (RFC 5849) HMAC-SHA1 signature verification, as X checks it.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 percent-encoding, as RFC 5849 section 3.6 requires. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses `Authorization: OAuth k="v", ...`; undefined when it is not an OAuth header. */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | undefined {
  if (!header || !/^OAuth\s/i.test(header)) return undefined;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_.~%-]+)="([^"]*)"/g;
  for (const m of header.slice(6).matchAll(re)) {
    try {
      params.set(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    } catch {
      return undefined;
    }
  }
  return params;
}

/** The signature base string: METHOD&enc(base URL)&enc(normalised parameters). */
export function signatureBaseString(method: string, baseUrl: string, params: [string, string][]): string {
  const normalised = params
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode(baseUrl)}&${percentEncode(normalised)}`;
}

export function hmacSha1Signature(base: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`)
    .update(base)
    .digest('base64');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
