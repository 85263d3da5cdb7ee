// What the ways a person signs in (device code, browser) have in common: everything but the sign-in itself, since
// the account then lives in MSAL's cache whichever way it came in (userAccounts.ts).

import type { AccessTokenDetails } from '../authTypes';
import { type SignInEnvironment, type SignInMethodAvailability, signInMethodAvailability, signInMethodInfo } from '../signInMethods';
import type { FlowContext, ForgottenIdentity, Identity, IdentityRecord, IdentitySnapshot, SignInFlow } from './signInFlow';
import type { UserAccounts } from './userAccounts';

export abstract class PersonFlow<Input> implements SignInFlow<Input> {
  abstract readonly method: 'deviceCode' | 'browser';

  constructor(
    protected readonly context: FlowContext,
    protected readonly users: UserAccounts,
  ) {}

  get label(): string {
    return signInMethodInfo(this.method).label;
  }

  availability(environment: SignInEnvironment): SignInMethodAvailability {
    return signInMethodAvailability(this.method, environment);
  }

  abstract signIn(clusterUrl: string, input: Input): Promise<IdentityRecord>;

  identities(snapshot: IdentitySnapshot): IdentityRecord[] {
    return this.users.records(snapshot, this.method);
  }

  acquireSilently(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    return this.users.acquireSilently(identity, clusterUrl, scope, force);
  }

  forget(target: string | 'all', snapshot: IdentitySnapshot): Promise<ForgottenIdentity[]> {
    return this.users.forget(target, snapshot, this.method);
  }
}
