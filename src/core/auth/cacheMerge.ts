// Merges MSAL token caches (their JSON serialisation) written by two windows at once. Each window read the cache
// (`base`), changed it (`ours`), and meanwhile another window wrote `theirs`: entities this window changed, added
// or removed are applied to theirs; everything else stays as they wrote it. Tokens of an account that is no
// longer in the merged cache are dropped, so a refresh finishing in one window never brings back an account
// signed out in another.

type Section = Record<string, Record<string, unknown>>;
type SerializedCache = Record<string, Section>;

const ACCOUNT_SECTION = 'Account';
const APP_METADATA_SECTION = 'AppMetadata';

function parse(text: string | undefined): SerializedCache {
  if (!text) {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as SerializedCache) : {};
  } catch {
    return {};
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function mergeSerializedCaches(base: string | undefined, ours: string, theirs: string | undefined): string {
  if (theirs === base) {
    return ours;
  }
  const b = parse(base);
  const o = parse(ours);
  const t = parse(theirs);
  const merged: SerializedCache = {};
  for (const section of new Set([...Object.keys(b), ...Object.keys(o), ...Object.keys(t)])) {
    const entries: Section = {};
    const baseSection = b[section] ?? {};
    const ourSection = o[section] ?? {};
    const theirSection = t[section] ?? {};
    for (const key of new Set([...Object.keys(baseSection), ...Object.keys(ourSection), ...Object.keys(theirSection)])) {
      const value = same(ourSection[key], baseSection[key]) ? theirSection[key] : ourSection[key];
      if (value !== undefined) {
        entries[key] = value;
      }
    }
    merged[section] = entries;
  }
  const accounts = new Set(Object.values(merged[ACCOUNT_SECTION] ?? {}).map((account) => account.home_account_id));
  for (const [section, entries] of Object.entries(merged)) {
    if (section === ACCOUNT_SECTION || section === APP_METADATA_SECTION) {
      continue;
    }
    for (const [key, entity] of Object.entries(entries)) {
      if (typeof entity.home_account_id === 'string' && !accounts.has(entity.home_account_id)) {
        delete entries[key];
      }
    }
  }
  return JSON.stringify(merged);
}
