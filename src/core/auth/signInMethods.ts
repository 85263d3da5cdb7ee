// The ways a user can get Kusto tokens, as a small list of strategies with what each needs from the environment
// (like VS Code's own Microsoft sign-in flows), so the UI can offer only what works where VS Code runs.

import { SignInSettingsError } from './authoritySettings';

export type SignInMethod = 'deviceCode' | 'browser' | 'servicePrincipal' | 'azureCli';

export const SIGN_IN_METHOD_IDS: readonly SignInMethod[] = ['deviceCode', 'browser', 'servicePrincipal', 'azureCli'];

export const DEFAULT_SIGN_IN_METHOD: SignInMethod = 'deviceCode';

/** Where the extension host runs, as far as sign-in cares. */
export interface SignInEnvironment {
  /** vscode.env.remoteName: set for SSH, WSL, containers, Codespaces. */
  readonly remoteName?: string;
  /** vscode.env.uiKind === UIKind.Web (vscode.dev, code-server in a browser). */
  readonly isWebUi: boolean;
}

export interface SignInMethodInfo {
  readonly id: SignInMethod;
  readonly label: string;
  readonly detail: string;
  /** A browser on this machine must reach a loopback port the extension host listens on. */
  readonly needsLocalBrowser: boolean;
  /** Signs in as a person (an account in the token cache) rather than an app or an external tool's session. */
  readonly isUserAccount: boolean;
}

export const SIGN_IN_METHODS: readonly SignInMethodInfo[] = [
  {
    id: 'deviceCode',
    label: 'Device code',
    detail: 'Enter a code in any browser, on any device. Works everywhere, including remote and web.',
    needsLocalBrowser: false,
    isUserAccount: true,
  },
  {
    id: 'browser',
    label: 'Browser',
    detail: 'Sign in in your default browser (authorization code with PKCE); needs VS Code running on this machine.',
    needsLocalBrowser: true,
    isUserAccount: true,
  },
  {
    id: 'servicePrincipal',
    label: 'Service principal',
    detail: 'An app registration: client id, tenant and a client secret or a certificate.',
    needsLocalBrowser: false,
    isUserAccount: false,
  },
  {
    id: 'azureCli',
    label: 'Azure CLI',
    detail: "Reuse the session of 'az login' on the machine where the extension runs.",
    needsLocalBrowser: false,
    isUserAccount: false,
  },
];

export type SignInMethodAvailability = { readonly available: true } | { readonly available: false; readonly reason: string };

export function signInMethodInfo(method: SignInMethod): SignInMethodInfo {
  return SIGN_IN_METHODS.find((info) => info.id === method) ?? SIGN_IN_METHODS[0];
}

export function signInMethodLabel(method: SignInMethod): string {
  return signInMethodInfo(method).label;
}

/** Whether a way of signing in can work here; when not, a sentence saying why and what to use instead. */
export function signInMethodAvailability(method: SignInMethod, environment: SignInEnvironment): SignInMethodAvailability {
  if (!signInMethodInfo(method).needsLocalBrowser) {
    return { available: true };
  }
  if (environment.isWebUi) {
    return {
      available: false,
      reason: 'Browser sign-in needs VS Code running on this machine; in VS Code for the Web (or code-server) the browser cannot reach the sign-in listener. Use device code sign-in instead.',
    };
  }
  if (environment.remoteName) {
    return {
      available: false,
      reason: `Browser sign-in needs VS Code running on this machine, but the extension runs in a remote window (${environment.remoteName}) where your browser cannot reach its sign-in listener. Use device code sign-in instead.`,
    };
  }
  return { available: true };
}

/** The methods in the order a picker shows them: the preferred one first, then the rest in the usual order. */
export function orderSignInMethods(preferred: SignInMethod | undefined): SignInMethodInfo[] {
  const first = preferred ? SIGN_IN_METHODS.filter((info) => info.id === preferred) : [];
  return [...first, ...SIGN_IN_METHODS.filter((info) => info.id !== preferred)];
}

export function isSignInMethod(value: unknown): value is SignInMethod {
  return typeof value === 'string' && (SIGN_IN_METHOD_IDS as readonly string[]).includes(value);
}

/** Reads a method from settings; undefined when unset, a SignInSettingsError naming the setting when invalid. */
export function parseSignInMethod(value: unknown, setting: string): SignInMethod | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (isSignInMethod(value)) {
    return value;
  }
  throw new SignInSettingsError(
    setting,
    `The setting ${setting} ("${String(value)}") must be one of ${SIGN_IN_METHOD_IDS.join(', ')}.`,
  );
}
