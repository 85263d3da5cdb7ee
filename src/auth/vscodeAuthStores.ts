import * as vscode from 'vscode';
import type { AccountMappingStore } from '../core/auth/accountMapping';
import { DEFAULT_SIGN_IN_SETTINGS, type SignInSettings } from '../core/auth/authoritySettings';
import { isSignInMethod } from '../core/auth/signInMethods';

const MAPPING_KEY = 'kusto.accountForCluster';

/** cluster → homeAccountId in globalState (ids only; tokens live in SecretStorage). */
export class GlobalStateAccountMapping implements AccountMappingStore {
  constructor(private readonly state: vscode.Memento) {}

  get(clusterUrl: string): string | undefined {
    return this.read()[clusterUrl];
  }

  async set(clusterUrl: string, homeAccountId: string | undefined): Promise<void> {
    const next = { ...this.read() };
    if (homeAccountId === undefined) {
      delete next[clusterUrl];
    } else {
      next[clusterUrl] = homeAccountId;
    }
    await this.state.update(MAPPING_KEY, next);
  }

  entries(): ReadonlyArray<readonly [string, string]> {
    return Object.entries(this.read());
  }

  private read(): Record<string, string> {
    const value = this.state.get<unknown>(MAPPING_KEY);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return {};
    }
    return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
}

export function readSignInSettings(): SignInSettings {
  const config = vscode.workspace.getConfiguration('kusto.signIn');
  return {
    authorityHost: config.get<string>('authorityHost') || DEFAULT_SIGN_IN_SETTINGS.authorityHost,
    tenant: config.get<string>('tenant') || DEFAULT_SIGN_IN_SETTINGS.tenant,
    clientId: config.get<string>('clientId') || DEFAULT_SIGN_IN_SETTINGS.clientId,
    // An unknown value (settings.json edited by hand) falls back to device code rather than blocking sign-in.
    method: isSignInMethod(config.get('method')) ? config.get('method') : undefined,
  };
}

export function readWarnMinutesBeforeExpiry(): number {
  const value = vscode.workspace.getConfiguration('kusto.statusBar').get<number>('warnMinutesBeforeExpiry', 5);
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 5;
}
