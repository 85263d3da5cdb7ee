import * as assert from 'node:assert/strict';
import { type AuthChangeEvent, affectsClusterAccess } from '../../src/core/auth/authEvents';
import type { TokenBroker } from '../../src/core/auth/tokenBroker';
import { JWT_PATTERN, waitFor } from '../support/authHarness';
import { startAuthFixture, type AuthFixture } from '../support/authHarnessServer';

const CLUSTER_A = 'https://clustera.westeurope.kusto.windows.net';
const CLUSTER_B = 'https://clusterb.westeurope.kusto.windows.net';
const CLUSTER_C = 'https://clusterc.kusto.windows.net';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@fabrikam.com';

function record(broker: TokenBroker): AuthChangeEvent[] {
  const events: AuthChangeEvent[] = [];
  broker.onDidChange((event) => events.push(event));
  return events;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('sign-in changes reach listeners typed and merged (real MSAL, local sign-in server)', function () {
  this.timeout(60_000);
  let fixture: AuthFixture;

  beforeEach(async () => {
    fixture = await startAuthFixture();
  });

  afterEach(async () => {
    assert.ok(!JWT_PATTERN.test(fixture.brokerLog.text()), 'no JWT-looking text in any log line');
    await fixture.close();
  });

  it('a sign-in is one event: the account added and its first token; a new token for another cluster is only a refresh', async () => {
    const broker = fixture.newBroker();
    const events = record(broker);
    const alice = await fixture.signIn(broker, CLUSTER_A, ALICE);
    await settle();
    assert.equal(events.length, 1, 'one merged event for the sign-in');
    assert.deepEqual(events[0].added, [alice.homeAccountId]);
    assert.deepEqual(events[0].refreshed, [{ accountId: alice.homeAccountId, clusterUrl: CLUSTER_A }]);

    await broker.getToken(CLUSTER_B);
    await broker.getToken(CLUSTER_B); // from the cache: no event
    await settle();
    assert.equal(events.length, 2);
    assert.deepEqual(events[1].refreshed, [{ accountId: alice.homeAccountId, clusterUrl: CLUSTER_B }]);
    assert.equal(affectsClusterAccess(events[1]), false, 'the explorer has nothing to reload for a new token');
  });

  it('choosing another account for a cluster changes both accounts; a sign-out removes', async () => {
    const broker = fixture.newBroker();
    const alice = await fixture.signIn(broker, CLUSTER_A, ALICE);
    const bob = await fixture.signIn(broker, CLUSTER_B, BOB);
    await settle();
    const events = record(broker);
    await broker.setAccountForCluster(CLUSTER_C, bob.homeAccountId);
    await settle();
    assert.deepEqual([...events[0].changed].sort(), [alice.homeAccountId, bob.homeAccountId].sort());
    await broker.signOut('all');
    await settle();
    assert.deepEqual([...events[1].removed].sort(), [alice.homeAccountId, bob.homeAccountId].sort());
    assert.equal(events.length, 2);
  });

  it("another window's sign-in, new token and sign-out arrive here as added, refreshed and removed", async () => {
    const here = fixture.newBroker();
    const otherWindow = fixture.newBroker();
    assert.deepEqual(await here.listAccounts(), []);
    const events = record(here);

    const alice = await fixture.signIn(otherWindow, CLUSTER_A, ALICE);
    await waitFor(() => events.some((e) => e.added.includes(alice.homeAccountId)), 3000, 'added from the other window');

    events.length = 0;
    await otherWindow.getToken(CLUSTER_C);
    await waitFor(() => events.some((e) => e.refreshed.some((r) => r.clusterUrl === CLUSTER_C)), 3000, 'refreshed from the other window');
    assert.ok(events.every((e) => !affectsClusterAccess(e)), 'a token fetched elsewhere changes no cluster\'s account here');

    events.length = 0;
    await otherWindow.signOut(alice.homeAccountId);
    await waitFor(() => events.some((e) => e.removed.includes(alice.homeAccountId)), 3000, 'removed from the other window');
  });
});
