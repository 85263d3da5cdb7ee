import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { type RequestCauses, withRequestCauses } from '../../src/core/auth/requestCauses';
import { UndiciNetworkClient } from '../../src/core/auth/undiciNetworkClient';

/** A port nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the cause of a sign-in failure belongs to its own request', () => {
  it('two requests failing at once each keep their own cause; a request that did not fail has none', async () => {
    const client = new UndiciNetworkClient({ defaultTimeoutMs: 5_000 });
    const [portA, portB] = [await closedPort(), await closedPort()];
    const attempt = (url: string | undefined) =>
      withRequestCauses(async (causes): Promise<RequestCauses> => {
        await new Promise((resolve) => setTimeout(resolve, 5)); // the causes follow awaits and timers
        if (url) {
          await client.sendGetRequestAsync(url).catch(() => undefined);
        }
        return causes;
      });
    try {
      const [a, b, quiet] = await Promise.all([
        attempt(`https://127.0.0.1:${portA}/tenant-a/v2.0/.well-known/openid-configuration`),
        attempt(`https://127.0.0.1:${portB}/tenant-b/oauth2/v2.0/token`),
        attempt(undefined),
      ]);
      assert.match(a.networkFailure ?? '', /Could not reach the sign-in server \(GET https:\/\/127\.0\.0\.1:\d+\/tenant-a\//);
      assert.match(b.networkFailure ?? '', /\/tenant-b\/oauth2\/v2\.0\/token/);
      assert.ok(!(a.networkFailure ?? '').includes('tenant-b') && !(b.networkFailure ?? '').includes('tenant-a'));
      assert.equal(quiet.networkFailure, undefined, 'no cause leaks into a request that did not fail');
    } finally {
      await client.close();
    }
  });

  it('a failure outside any request is not kept for a later one', async () => {
    const client = new UndiciNetworkClient({ defaultTimeoutMs: 5_000 });
    try {
      await client.sendGetRequestAsync(`https://127.0.0.1:${await closedPort()}/stray`).catch(() => undefined);
      const later = await withRequestCauses(async (causes) => causes);
      assert.equal(later.networkFailure, undefined);
    } finally {
      await client.close();
    }
  });
});
