import * as assert from 'node:assert/strict';
import { DEFAULT_ACCOUNT_KEY } from '../../src/core/auth/accountMapping';
import { AZURE_CLI_ACCOUNT_ID } from '../../src/core/auth/authTypes';
import { type IdentityCandidate, assignmentsAfterSignIn, chooseIdentity } from '../../src/core/auth/identityChooser';

const PUBLIC = 'login.microsoftonline.com';
const US_GOV = 'login.microsoftonline.us';
const alice: IdentityCandidate = { id: 'alice.contoso', kind: 'user', environment: PUBLIC, tenantId: 'contoso' };
const bob: IdentityCandidate = { id: 'bob.fabrikam', kind: 'user', environment: PUBLIC, tenantId: 'fabrikam' };
const carolGov: IdentityCandidate = { id: 'carol.gov', kind: 'user', environment: US_GOV, tenantId: 'gov' };
const appContoso: IdentityCandidate = { id: 'serviceprincipal:app1@contoso', kind: 'servicePrincipal', tenantId: 'contoso' };
const appFabrikam: IdentityCandidate = { id: 'serviceprincipal:app2@fabrikam', kind: 'servicePrincipal', tenantId: 'fabrikam' };
const cli: IdentityCandidate = { id: AZURE_CLI_ACCOUNT_ID, kind: 'azureCli' };

describe('choosing the identity that serves a cluster (no network)', () => {
  it('uses the account chosen for the cluster, and says so when it is no longer signed in', () => {
    assert.deepEqual(chooseIdentity([alice, bob], { chosenId: bob.id, defaultId: alice.id, clusterLoginHost: PUBLIC }), { id: bob.id });
    assert.deepEqual(chooseIdentity([alice], { chosenId: bob.id, defaultId: alice.id, clusterLoginHost: PUBLIC }), {
      reason: 'the account chosen for this cluster is no longer signed in',
    });
  });

  it('serves a cluster without a choice from the default account when it belongs to the cluster\'s cloud', () => {
    assert.deepEqual(chooseIdentity([alice, bob], { defaultId: bob.id, clusterLoginHost: PUBLIC }), { id: bob.id });
  });

  it('never sends a cluster of another cloud to the default account: a person of that cloud serves it, else nobody', () => {
    assert.deepEqual(chooseIdentity([alice, carolGov], { defaultId: alice.id, clusterLoginHost: US_GOV }), { id: carolGov.id });
    const none = chooseIdentity([alice, bob], { defaultId: alice.id, clusterLoginHost: US_GOV });
    assert.ok('reason' in none);
    assert.match(none.reason, /no signed-in account belongs to the cloud of this cluster \(login\.microsoftonline\.us\)/);
  });

  it('follows the cluster\'s own sign-in way: a service principal of its tenant, or Azure CLI without any sign-in', () => {
    assert.deepEqual(chooseIdentity([alice, appContoso, appFabrikam], { defaultId: alice.id, clusterMethod: 'servicePrincipal', clusterTenant: 'FABRIKAM', clusterLoginHost: PUBLIC }), {
      id: appFabrikam.id,
    });
    assert.deepEqual(chooseIdentity([alice, appContoso], { defaultId: alice.id, clusterMethod: 'servicePrincipal', clusterLoginHost: PUBLIC }), { id: appContoso.id });
    assert.deepEqual(chooseIdentity([alice], { defaultId: alice.id, clusterMethod: 'servicePrincipal' }), {
      reason: 'this cluster signs in with a service principal, and none is signed in',
    });
    assert.deepEqual(chooseIdentity([], { clusterMethod: 'azureCli' }), { id: AZURE_CLI_ACCOUNT_ID });
  });

  it('a cluster that asks for a person is not served by a default service principal', () => {
    assert.deepEqual(chooseIdentity([appContoso, alice], { defaultId: appContoso.id, clusterMethod: 'browser', clusterLoginHost: PUBLIC }), { id: alice.id });
    assert.deepEqual(chooseIdentity([appContoso, cli], { defaultId: appContoso.id, clusterLoginHost: PUBLIC }), { id: appContoso.id });
  });

  it('uses Azure CLI when it is the configured way and nobody signed in, else says nobody is signed in', () => {
    assert.deepEqual(chooseIdentity([], { settingsMethod: 'azureCli' }), { id: AZURE_CLI_ACCOUNT_ID });
    assert.deepEqual(chooseIdentity([], { settingsMethod: 'deviceCode' }), { reason: 'nobody is signed in' });
  });
});

describe('which clusters an identity serves after it signs in', () => {
  it('the first identity becomes the default for every cluster', () => {
    assert.deepEqual(assignmentsAfterSignIn({}, 'https://a.kusto.windows.net', alice.id, new Set()), [[DEFAULT_ACCOUNT_KEY, alice.id]]);
  });

  it('a second identity serves only the cluster it signed in for', () => {
    assert.deepEqual(assignmentsAfterSignIn({ defaultId: alice.id }, 'https://b.kusto.windows.net', bob.id, new Set([alice.id])), [['https://b.kusto.windows.net', bob.id]]);
  });

  it('signing in again as the default changes nothing; a default signed out elsewhere is replaced', () => {
    assert.deepEqual(assignmentsAfterSignIn({ defaultId: alice.id }, 'https://a.kusto.windows.net', alice.id, new Set([alice.id])), []);
    assert.deepEqual(assignmentsAfterSignIn({ defaultId: alice.id, clusterId: alice.id }, 'https://a.kusto.windows.net', bob.id, new Set([bob.id])), [
      [DEFAULT_ACCOUNT_KEY, bob.id],
      ['https://a.kusto.windows.net', bob.id],
    ]);
  });
});
