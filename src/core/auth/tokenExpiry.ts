// Pure time-to-expiry logic shared by the broker (when to refresh), the accounts view and the status bar.

export type ExpiryLevel = 'ok' | 'warning' | 'expired';

const MINUTE_MS = 60_000;

function toMs(value: Date | number): number {
  return typeof value === 'number' ? value : value.getTime();
}

/** "47m", "1h 05m", "<1m" or "expired": how long a token is still good for, as the status bar shows it. */
export function formatTimeToExpiry(expiresOn: Date | number, now: Date | number = Date.now()): string {
  const remainingMs = toMs(expiresOn) - toMs(now);
  if (remainingMs <= 0) {
    return 'expired';
  }
  if (remainingMs < MINUTE_MS) {
    return '<1m';
  }
  const totalMinutes = Math.floor(remainingMs / MINUTE_MS);
  if (totalMinutes < 60) {
    return `${totalMinutes}m`;
  }
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return `${hours}h ${String(minutes).padStart(2, '0')}m`;
}

/** 'expired' at or after expiry, 'warning' within `warnMinutes` of it, else 'ok'. */
export function expiryLevel(expiresOn: Date | number, warnMinutes: number, now: Date | number = Date.now()): ExpiryLevel {
  const remainingMs = toMs(expiresOn) - toMs(now);
  if (remainingMs <= 0) {
    return 'expired';
  }
  return remainingMs <= Math.max(0, warnMinutes) * MINUTE_MS ? 'warning' : 'ok';
}

/** True when a token should be refreshed before use: it expires within `marginSeconds`. */
export function needsRefresh(expiresOn: Date | number, marginSeconds: number, now: Date | number = Date.now()): boolean {
  return toMs(expiresOn) - toMs(now) <= Math.max(0, marginSeconds) * 1000;
}

/**
 * Milliseconds until what formatTimeToExpiry/expiryLevel show next changes, so a view can update exactly then
 * instead of polling. Never less than 1 s; undefined once expired (nothing changes any more).
 */
export function msUntilDisplayChanges(expiresOn: Date | number, warnMinutes: number, now: Date | number = Date.now()): number | undefined {
  const remainingMs = toMs(expiresOn) - toMs(now);
  if (remainingMs <= 0) {
    return undefined;
  }
  // The minute label changes just after the remaining time crosses a whole minute.
  const toNextMinuteBoundary = (remainingMs % MINUTE_MS) + 1;
  const candidates = [toNextMinuteBoundary, remainingMs];
  const toWarning = remainingMs - Math.max(0, warnMinutes) * MINUTE_MS;
  if (toWarning > 0) {
    candidates.push(toWarning);
  }
  return Math.max(1000, Math.min(...candidates));
}
