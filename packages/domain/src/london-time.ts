/** Europe/London wall-clock time: what people and posting windows use. Storage is UTC. */
export const LONDON = 'Europe/London';

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  weekday: 'short',
});

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LondonParts {
  date: string; // YYYY-MM-DD
  time: string; // HH:MM
  isoWeekday: number; // 1 = Monday
  offsetMinutes: number; // 0 (GMT) or 60 (BST)
}

// formatToParts is slow, and replies to a burst of questions ask for the same few
// instants again and again (the moment of the page, an office's reopening time).
const recentParts = new Map<number, LondonParts>();

export function londonParts(instant: Date): LondonParts {
  const ms = instant.getTime();
  const known = recentParts.get(ms);
  if (known) return { ...known };
  const parts = computeLondonParts(instant);
  if (recentParts.size >= 256) recentParts.clear();
  recentParts.set(ms, parts);
  return { ...parts };
}

function computeLondonParts(instant: Date): LondonParts {
  const p = Object.fromEntries(partsFormatter.formatToParts(instant).map((x) => [x.type, x.value]));
  const date = `${p.year}-${p.month}-${p.day}`;
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  const offsetMinutes = Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  return { date, time: `${p.hour}:${p.minute}`, isoWeekday: WEEKDAYS[p.weekday ?? ''] ?? 0, offsetMinutes };
}

/**
 * The instant of a London wall-clock time. On the spring-forward day a time in the
 * missing hour (01:00-01:59) is taken as the same clock time in BST's reckoning
 * moved forward (01:30 -> 02:30 BST); on the fall-back day an ambiguous time
 * (01:00-01:59 happens twice) is the first, BST, occurrence.
 */
export function londonWallTimeToInstant(date: string, time: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  if ([y, mo, d, h, mi].some((n) => n === undefined || Number.isNaN(n)))
    throw new RangeError(`bad local time ${date} ${time}`);
  const naive = Date.UTC(y!, mo! - 1, d, h, mi);
  // Try BST first (earlier instant), then GMT; keep the first whose London reading matches.
  for (const offset of [60, 0]) {
    const candidate = new Date(naive - offset * 60_000);
    const parts = londonParts(candidate);
    if (parts.date === date && parts.time === time) return candidate;
  }
  // In the spring gap: the clock jumped from 01:00 GMT to 02:00 BST.
  return new Date(naive);
}
