// The slice of VS Code's SecretStorage the token cache needs, so the cache plugin is testable without VS Code.
// vscode.SecretStorage satisfies this interface structurally.

export interface SecretStoreChange {
  readonly key: string;
}

export interface SecretStoreSubscription {
  dispose(): void;
}

export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  /** Fires when a secret changes, in this window or another one. */
  onDidChange(listener: (change: SecretStoreChange) => unknown): SecretStoreSubscription;
}
