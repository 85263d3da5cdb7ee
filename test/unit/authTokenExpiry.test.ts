import * as assert from 'node:assert/strict';
import { expiryLevel, formatTimeToExpiry, msUntilDisplayChanges, needsRefresh } from '../../src/core/auth/tokenExpiry';
import { resolveAuthority, SignInSettingsError, DEFAULT_SIGN_IN_SETTINGS } from '../../src/core/auth/authoritySettings';
import { redactSecrets } from '../../src/core/auth/redact';
import { toDeviceCodeSignInError } from '../../src/core/auth/authErrors';
import { SerialQueue, SingleFlight } from '../../src/core/auth/serialQueue';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const minutes = (m: number) => NOW + m * 60_000;

describe('token expiry display', () => {
  it('formats the time left the way the status bar shows it', () => {
    assert.equal(formatTimeToExpiry(minutes(47.5), NOW), '47m');
    assert.equal(formatTimeToExpiry(minutes(65), NOW), '1h 05m');
    assert.equal(formatTimeToExpiry(minutes(125.9), NOW), '2h 05m');
    assert.equal(formatTimeToExpiry(minutes(0.5), NOW), '<1m');
    assert.equal(formatTimeToExpiry(minutes(0), NOW), 'expired');
    assert.equal(formatTimeToExpiry(new Date(minutes(-3)), NOW), 'expired');
  });

  it('warns within the configured minutes and errors once expired', () => {
    assert.equal(expiryLevel(minutes(47), 5, NOW), 'ok');
    assert.equal(expiryLevel(minutes(5), 5, NOW), 'warning');
    assert.equal(expiryLevel(minutes(4), 5, NOW), 'warning');
    assert.equal(expiryLevel(minutes(9), 10, NOW), 'warning');
    assert.equal(expiryLevel(minutes(0), 5, NOW), 'expired');
  });

  it('asks for a refresh within the margin before expiry only', () => {
    assert.equal(needsRefresh(minutes(6), 300, NOW), false);
    assert.equal(needsRefresh(minutes(5), 300, NOW), true);
    assert.equal(needsRefresh(minutes(-1), 300, NOW), true);
  });

  it('tells a view when its label or colour next changes', () => {
    // 47m30s left: the label becomes "46m" just after 30 s.
    const delay = msUntilDisplayChanges(minutes(47.5), 5, NOW)!;
    assert.ok(delay > 30_000 - 10 && delay <= 30_001, `delay ${delay}`);
    assert.equal(formatTimeToExpiry(minutes(47.5), NOW + delay), '46m');
    // Crossing into the warning zone happens at 5 minutes left.
    assert.equal(expiryLevel(minutes(5.2), 5, NOW + msUntilDisplayChanges(minutes(5.2), 5, NOW)!), 'warning');
    assert.equal(msUntilDisplayChanges(minutes(-1), 5, NOW), undefined);
  });
});

describe('sign-in settings', () => {
  it('uses Microsoft instance discovery for the public cloud and trusts a custom host as is', () => {
    const cloud = resolveAuthority(DEFAULT_SIGN_IN_SETTINGS);
    assert.equal(cloud.authority, 'https://login.microsoftonline.com/organizations');
    assert.deepEqual(cloud.knownAuthorities, []);
    const local = resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: 'https://127.0.0.1:8443/', tenant: 'contoso.onmicrosoft.com' });
    assert.equal(local.authority, 'https://127.0.0.1:8443/contoso.onmicrosoft.com');
    assert.deepEqual(local.knownAuthorities, ['127.0.0.1:8443']);
    assert.notEqual(local.key, cloud.key, 'one client per (client id, authority)');
  });

  it('rejects bad settings with a message naming the setting to fix', () => {
    assert.throws(() => resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: 'http://login.example' }), (e: Error) => {
      assert.ok(e instanceof SignInSettingsError);
      assert.match(e.message, /kusto\.signIn\.authorityHost must use https/);
      return true;
    });
    assert.throws(() => resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: 'not a url' }), /kusto\.signIn\.authorityHost .* is not a URL/);
    assert.throws(() => resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: 'https://login.example/tenant' }), /only scheme and host/);
    assert.throws(() => resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, tenant: 'a/b' }), /kusto\.signIn\.tenant/);
    assert.throws(() => resolveAuthority({ ...DEFAULT_SIGN_IN_SETTINGS, clientId: 'kusto' }), /kusto\.signIn\.clientId .* GUID/);
  });
});

describe('auth error and log hygiene', () => {
  it('removes token-like text from messages', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2EifQ.c2lnbmF0dXJl';
    const text = redactSecrets(`failed with ${jwt} and {"refresh_token":"0.AAAAsecretvalue","device_code":"DAQABAAEAAAB"}`);
    assert.ok(!text.includes(jwt));
    assert.ok(!text.includes('0.AAAAsecretvalue'));
    assert.ok(!text.includes('DAQABAAEAAAB'));
    assert.match(text, /failed with \[redacted token\]/);
    assert.equal(redactSecrets('errorCode: post_request_failed'), 'errorCode: post_request_failed', 'error codes stay readable');
  });

  it('turns MSAL device code failures into the outcome the user is told', () => {
    const cluster = 'https://a.kusto.windows.net';
    assert.equal(toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, cluster).reason, 'cancelled');
    assert.equal(toDeviceCodeSignInError({ errorCode: 'post_request_failed', errorMessage: 'access_denied' }, cluster).reason, 'declined');
    const expired = toDeviceCodeSignInError({ errorCode: 'post_request_failed', errorMessage: 'expired_token' }, cluster);
    assert.equal(expired.reason, 'expired');
    assert.match(expired.message, /expired .*Run "Kusto: Sign In" again/);
    assert.equal(toDeviceCodeSignInError(new Error('socket hang up'), cluster).reason, 'failed');
  });
});

describe('serialising MSAL calls', () => {
  it('runs queued tasks one at a time, in order, even when one fails', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) => {
        events.push(`start ${name}`);
        setTimeout(() => {
          events.push(`end ${name}`);
          fail ? reject(new Error(name)) : resolve(name);
        }, ms);
      });
    const results = await Promise.allSettled([queue.run(task('a', 30)), queue.run(task('b', 5, true)), queue.run(task('c', 1))]);
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  });

  it('shares one in-flight request per key', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const work = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 10));
    const results = await Promise.all(Array.from({ length: 10 }, () => flights.run('alice|scope', work)));
    assert.deepEqual(new Set(results), new Set([1]));
    assert.equal(calls, 1);
    assert.equal(await flights.run('alice|scope', work), 2, 'a later request starts a new flight');
  });
});
