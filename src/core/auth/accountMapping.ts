// Which signed-in account serves which cluster: cluster URL → MSAL homeAccountId. Ids only, never secrets, so it
// may live in VS Code's globalState.

export interface AccountMappingStore {
  get(clusterUrl: string): string | undefined;
  /** `undefined` removes the entry. */
  set(clusterUrl: string, homeAccountId: string | undefined): PromiseLike<void>;
  entries(): ReadonlyArray<readonly [clusterUrl: string, homeAccountId: string]>;
}

/** Key under which the account used for clusters without their own choice is kept (the last one signed in). */
export const DEFAULT_ACCOUNT_KEY = '*';

export class InMemoryAccountMappingStore implements AccountMappingStore {
  private readonly map = new Map<string, string>();

  constructor(initial?: Readonly<Record<string, string>>) {
    for (const [key, value] of Object.entries(initial ?? {})) {
      this.map.set(key, value);
    }
  }

  get(clusterUrl: string): string | undefined {
    return this.map.get(clusterUrl);
  }

  async set(clusterUrl: string, homeAccountId: string | undefined): Promise<void> {
    if (homeAccountId === undefined) {
      this.map.delete(clusterUrl);
    } else {
      this.map.set(clusterUrl, homeAccountId);
    }
  }

  entries(): ReadonlyArray<readonly [string, string]> {
    return [...this.map.entries()];
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}
