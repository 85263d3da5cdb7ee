import * as assert from 'node:assert/strict';
import { type AuthChangeEvent, AuthEventHub, affectsClusterAccess, concernsCluster, mergeAuthChanges } from '../../src/core/auth/authEvents';

const A = 'https://a.kusto.windows.net';
const B = 'https://b.kusto.windows.net';
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('auth change events: typed and merged', () => {
  it('merges the changes of one turn: a sign-in with its token, an identity signed out then in again', () => {
    const merged = mergeAuthChanges([
      { added: ['alice'], refreshed: [{ accountId: 'alice', clusterUrl: A }] },
      { refreshed: [{ accountId: 'alice', clusterUrl: A }], changed: ['alice', 'bob'] },
      { removed: ['carol'] },
      { added: ['carol'] },
    ]);
    assert.deepEqual([...merged.added].sort(), ['alice', 'carol']);
    assert.deepEqual(merged.removed, []);
    assert.deepEqual(merged.changed, ['bob'], 'an identity added in this event is not also reported as changed');
    assert.deepEqual(merged.refreshed, [{ accountId: 'alice', clusterUrl: A }], 'one entry per identity and cluster');
    assert.equal(merged.rulesChanged, false);
  });

  it('tells listeners whether a change may move a cluster to another identity (new tokens never do)', () => {
    const refreshOnly = mergeAuthChanges([{ refreshed: [{ accountId: 'alice', clusterUrl: A }] }]);
    assert.equal(affectsClusterAccess(refreshOnly), false);
    assert.equal(concernsCluster(refreshOnly, A), true);
    assert.equal(concernsCluster(refreshOnly, B), false, 'the status bar of cluster B does not redraw for A\'s token');
    assert.equal(affectsClusterAccess(mergeAuthChanges([{ removed: ['alice'] }])), true);
    assert.equal(affectsClusterAccess(mergeAuthChanges([{ rulesChanged: true }])), true);
    assert.equal(concernsCluster(mergeAuthChanges([{ changed: ['bob'] }]), B), true);
  });

  it('delivers one event per turn, after the code that made the changes, and nothing when nothing changed', async () => {
    const hub = new AuthEventHub();
    const seen: AuthChangeEvent[] = [];
    const subscription = hub.on((event) => seen.push(event));
    hub.fire({ removed: ['alice'] });
    hub.fire({ removed: ['bob'] });
    assert.equal(seen.length, 0, 'not while the sign-out is still running');
    await nextTurn();
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].removed, ['alice', 'bob']);
    hub.fire({});
    await nextTurn();
    assert.equal(seen.length, 1, 'an empty change is not announced');
    subscription.dispose();
    hub.fire({ added: ['carol'] });
    await nextTurn();
    assert.equal(seen.length, 1, 'a disposed listener hears nothing');
  });

  it('a failing listener does not keep the others from hearing the event', async () => {
    const failures: unknown[] = [];
    const hub = new AuthEventHub((error) => failures.push(error));
    let heard = 0;
    hub.on(() => {
      throw new Error('listener broke');
    });
    hub.on(() => heard++);
    hub.fire({ changed: ['alice'] });
    await nextTurn();
    assert.equal(heard, 1);
    assert.equal(failures.length, 1);
  });
});
