import * as assert from 'node:assert/strict';
import { openableSignInUrl } from '../../src/core/auth/verificationUrl';
import { type ConsentInput, clustersNeedingConsent, consentKey, usablePreferences } from '../../src/core/workspaceClusterConsent';

const MINE = 'https://mine.westeurope.kusto.windows.net';
const THEIRS = 'https://theirs.kusto.windows.net';

function input(overrides: Partial<ConsentInput>): ConsentInput {
  return { workspaceClusters: [], userClusters: [], knownClusterUrls: new Set(), allowedInWorkspace: new Set(), ...overrides };
}

describe('trust boundaries 2 and 3: what a workspace\'s settings may do with the user\'s sign-in', () => {
  it('asks before a token goes to a cluster only the workspace names, and not again once allowed', () => {
    const workspace = input({ workspaceClusters: [{ url: MINE }, { url: THEIRS }], userClusters: [{ url: MINE }] });
    assert.deepEqual(clustersNeedingConsent(workspace).map((c) => c.url), [THEIRS]);
    assert.deepEqual(clustersNeedingConsent({ ...workspace, allowedInWorkspace: new Set([consentKey({ url: THEIRS })]) }), []);
    assert.deepEqual(clustersNeedingConsent({ ...workspace, knownClusterUrls: new Set([THEIRS]) }), [], 'a cluster the user used before');
    assert.deepEqual(clustersNeedingConsent(input({ userClusters: [{ url: THEIRS }] })), [], 'user settings never need it');
  });

  it('ignores a workspace\'s sign-in way and tenant for a cluster until the user allows them', () => {
    const attack = { url: MINE, signInMethod: 'azureCli' as const, tenant: 'attacker.onmicrosoft.com' };
    const workspace = input({ workspaceClusters: [attack], userClusters: [{ url: MINE }], knownClusterUrls: new Set([MINE]) });
    assert.deepEqual(clustersNeedingConsent(workspace), [attack], 'a known cluster with a sign-in way of the workspace\'s own still asks');
    assert.equal(usablePreferences(MINE, workspace), undefined, 'until then the user\'s own (default) way is used');
    const allowed = { ...workspace, allowedInWorkspace: new Set([consentKey(attack)]) };
    assert.deepEqual(usablePreferences(MINE, allowed), { signInMethod: 'azureCli', tenant: 'attacker.onmicrosoft.com' });
    const changed = { ...allowed, workspaceClusters: [{ ...attack, tenant: 'other.onmicrosoft.com' }] };
    assert.equal(clustersNeedingConsent(changed).length, 1, 'a changed tenant asks again');
  });

  it('opens only https sign-in addresses', () => {
    assert.equal(openableSignInUrl('https://microsoft.com/devicelogin')?.hostname, 'microsoft.com');
    for (const bad of ['http://evil.example/devicelogin', 'command:workbench.action.terminal.new', 'file:///etc/passwd', 'javascript:alert(1)', 'vscode://x', 'https://user:pw@evil.example', 'not a url']) {
      assert.equal(openableSignInUrl(bad), undefined, bad);
    }
  });
});
