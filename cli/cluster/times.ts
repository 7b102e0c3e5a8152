/**
 * Times in cluster mode: `--since`/`--until` as a duration back from now (`10m`, `2h`, `1d`,
 * `90s`; common/duration.ts) or a local date and time (`2026-11-22`, `2026-11-22T10:30`,
 * `10:30` for today; a `Z` or `+02:00` suffix names the zone), and how times are shown: local
 * time with milliseconds for history lines, and `3m ago` for host liveness.
 */
import { parseDuration } from '../../common/duration.js';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Epoch ms for a `--since`/`--until` value, or an Error saying which forms are accepted. */
export function parseTimeArg(text: string, now: number): number | Error {
  const duration = parseDuration(text);
  if (duration !== null) return now - duration;
  const day = TIME_OF_DAY.exec(text);
  if (day) {
    const d = new Date(now);
    d.setHours(Number(day[1]), Number(day[2]), Number(day[3] ?? 0), 0);
    if (valid(day[1]!, 23) && valid(day[2]!, 59) && valid(day[3] ?? '0', 59)) return d.getTime();
  }
  const m = DATE_TIME.exec(text);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0', zone] = m;
    if (valid(mo!, 12, 1) && valid(d!, 31, 1) && valid(h, 23) && valid(mi, 59) && valid(s, 59)) {
      const millis = Number(ms.padEnd(3, '0'));
      if (zone === undefined) return new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis).getTime();
      const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis);
      return utc - zoneOffsetMs(zone);
    }
  }
  return new Error(
    `not a duration or a time: ${JSON.stringify(text)} (durations: 90s, 10m, 2h, 1d, 1h30m; times: 2026-11-22, 2026-11-22T10:30, 10:30 for today)`,
  );
}

function valid(text: string, max: number, min = 0): boolean {
  const n = Number(text);
  return n >= min && n <= max;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-22 07:12:03.123` in local time. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** How long ago, coarsely: `just now`, `12s ago`, `3m ago`, `5h ago`, `2d ago`; `never` for 0. */
export function formatAgo(then: number, now: number): string {
  if (then === 0) return 'never';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 1) return 'just now';
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.floor(s / 60)}m ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
