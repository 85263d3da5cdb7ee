import * as vscode from 'vscode';
import { SignInError } from '../core/auth/authErrors';
import { openableSignInUrl } from '../core/auth/verificationUrl';
import { validateServicePrincipalField } from '../core/auth/servicePrincipalCredential';
import {
  type SignInEnvironment,
  type SignInMethod,
  orderSignInMethods,
} from '../core/auth/signInMethods';
import type { AccountSummary } from '../core/auth/authTypes';
import type { TokenBroker } from '../core/auth/tokenBroker';
import { signInWithDeviceCodeUi } from './deviceCodeSignIn';

const SUCCESS_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Kusto sign-in</title></head><body style="font-family:sans-serif;margin:3em">' +
  '<h1>Signed in to Kusto</h1><p>You can close this tab and return to VS Code.</p></body></html>';
const ERROR_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Kusto sign-in</title></head><body style="font-family:sans-serif;margin:3em">' +
  '<h1>Kusto sign-in did not complete</h1><p>Return to VS Code: it shows what happened and what to do.</p></body></html>';

/** Where this extension host runs, for choosing sign-in ways. */
export function currentSignInEnvironment(): SignInEnvironment {
  return { remoteName: vscode.env.remoteName, isWebUi: vscode.env.uiKind === vscode.UIKind.Web };
}

/** The quick pick of sign-in ways, the cluster's preferred one first; undefined when the user backs out. */
export async function pickSignInMethod(broker: TokenBroker, clusterUrl: string): Promise<SignInMethod | undefined> {
  const preferred = broker.preferredMethodFor(clusterUrl);
  const environment = currentSignInEnvironment();
  const picked = await vscode.window.showQuickPick(
    orderSignInMethods(preferred).map((info) => {
      const availability = broker.availabilityOf(info.id, environment);
      return {
        label: info.label,
        description: [info.id === preferred ? 'default' : undefined, availability.available ? undefined : 'not available here'].filter(Boolean).join(' · '),
        detail: availability.available ? info.detail : availability.reason,
        method: info.id,
      };
    }),
    { title: `Kusto: sign in to ${hostOf(clusterUrl)}`, placeHolder: 'How do you want to sign in?', ignoreFocusOut: true },
  );
  return picked?.method;
}

/**
 * Browser sign-in where it cannot work (remote or web window): says so before anything else is asked, and offers
 * device code instead. Returns the way to go on with, or undefined when the person cancels.
 */
export async function confirmSignInMethodAvailable(broker: TokenBroker, method: SignInMethod): Promise<SignInMethod | undefined> {
  const availability = broker.availabilityOf(method, currentSignInEnvironment());
  if (availability.available || method !== 'browser') {
    return method;
  }
  const useDeviceCode = 'Use Device Code';
  return (await vscode.window.showWarningMessage(availability.reason, { modal: true }, useDeviceCode)) === useDeviceCode ? 'deviceCode' : undefined;
}

/** Asks which tenant to sign in to, with the cluster's tenant (or kusto.signIn.tenant) filled in. */
export async function askTenant(broker: TokenBroker, clusterUrl: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `Kusto: tenant for ${hostOf(clusterUrl)}`,
    prompt: 'Tenant to sign in to: organizations (any work account), a tenant id or a domain such as contoso.onmicrosoft.com (for guest access).',
    value: broker.defaultTenantFor(clusterUrl),
    ignoreFocusOut: true,
    validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(value.trim()) ? undefined : 'Enter organizations, a tenant id (GUID) or a domain.'),
  });
}

/** Signs in one way, with the UI that way needs. Rejects with SignInError (or the broker's errors). */
export async function signInWithMethodUi(broker: TokenBroker, clusterUrl: string, method: SignInMethod, tenant?: string): Promise<AccountSummary> {
  switch (method) {
    case 'deviceCode':
      return signInWithDeviceCodeUi(broker, clusterUrl, tenant);
    case 'browser':
      return signInWithBrowserUi(broker, clusterUrl, tenant);
    case 'servicePrincipal':
      return signInWithServicePrincipalUi(broker, clusterUrl, tenant);
    case 'azureCli':
      return signInWithAzureCliUi(broker, clusterUrl, tenant);
  }
}

async function signInWithBrowserUi(broker: TokenBroker, clusterUrl: string, tenant: string | undefined): Promise<AccountSummary> {
  const method = await confirmSignInMethodAvailable(broker, 'browser');
  if (method === 'deviceCode') {
    return signInWithDeviceCodeUi(broker, clusterUrl, tenant);
  }
  if (!method) {
    throw new SignInError('cancelled', `Sign-in to ${clusterUrl} was cancelled.`);
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Kusto: signing in to ${hostOf(clusterUrl)} in your browser`, cancellable: true },
    async (progress, cancellation) => {
      const controller = new AbortController();
      const subscription = cancellation.onCancellationRequested(() => controller.abort());
      try {
        progress.report({ message: 'complete the sign-in in the browser window (waiting…)' });
        return await broker.signInWithBrowser(clusterUrl, {
          tenant,
          signal: controller.signal,
          successTemplate: SUCCESS_PAGE,
          errorTemplate: ERROR_PAGE,
          openBrowser: async (url) => {
            const page = openableSignInUrl(url);
            if (!page) {
              controller.abort();
              throw new SignInError('failed', 'The sign-in page is not an https address; it was not opened. Check kusto.signIn.authorityHost.');
            }
            if (!(await vscode.env.openExternal(vscode.Uri.parse(page.toString(), true)))) {
              controller.abort();
              throw new SignInError('cancelled', 'The browser could not be opened; use device code sign-in instead.');
            }
          },
        });
      } finally {
        subscription.dispose();
      }
    },
  );
}

async function signInWithServicePrincipalUi(broker: TokenBroker, clusterUrl: string, tenant: string | undefined): Promise<AccountSummary> {
  const cancelled = (): SignInError => new SignInError('cancelled', `Sign-in to ${clusterUrl} was cancelled.`);
  const clientId = await vscode.window.showInputBox({
    title: 'Kusto: service principal (1/3)',
    prompt: 'Client (application) id of the app registration',
    placeHolder: '00000000-0000-0000-0000-000000000000',
    ignoreFocusOut: true,
    validateInput: (value) => validateServicePrincipalField('clientId', value),
  });
  if (!clientId) {
    throw cancelled();
  }
  const suggestedTenant = tenant ?? broker.defaultTenantFor(clusterUrl);
  const tenantId = await vscode.window.showInputBox({
    title: 'Kusto: service principal (2/3)',
    prompt: 'Tenant id or domain of the app registration',
    value: /^(organizations|common|consumers)$/i.test(suggestedTenant) ? '' : suggestedTenant,
    ignoreFocusOut: true,
    validateInput: (value) => validateServicePrincipalField('tenantId', value),
  });
  if (!tenantId) {
    throw cancelled();
  }
  const credential = await vscode.window.showQuickPick(
    [
      { label: 'Client secret', detail: 'Asked once and kept in VS Code secret storage only.', credential: 'secret' as const },
      { label: 'Certificate', detail: 'A PEM file with the certificate and its private key; only its path is remembered.', credential: 'certificate' as const },
    ],
    { title: 'Kusto: service principal (3/3)', placeHolder: 'How does the app prove who it is?', ignoreFocusOut: true },
  );
  if (!credential) {
    throw cancelled();
  }
  let clientSecret: string | undefined;
  let certificatePath: string | undefined;
  if (credential.credential === 'secret') {
    clientSecret = await vscode.window.showInputBox({
      title: 'Kusto: service principal client secret',
      prompt: "The secret's Value (not its Secret ID), from App registrations → Certificates & secrets",
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? undefined : 'Enter the client secret.'),
    });
    if (!clientSecret) {
      throw cancelled();
    }
  } else {
    const picked = await vscode.window.showOpenDialog({
      title: 'Kusto: certificate of the service principal (PEM with private key)',
      canSelectMany: false,
      filters: { 'PEM certificate with private key': ['pem', 'crt', 'cer'], 'All files': ['*'] },
    });
    certificatePath = picked?.[0]?.fsPath;
    if (!certificatePath) {
      throw cancelled();
    }
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Kusto: signing in to ${hostOf(clusterUrl)} as service principal` },
    () => broker.signInWithServicePrincipal(clusterUrl, { clientId: clientId.trim(), tenantId: tenantId.trim(), clientSecret, certificatePath }),
  );
}

async function signInWithAzureCliUi(broker: TokenBroker, clusterUrl: string, tenant: string | undefined): Promise<AccountSummary> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kusto: getting a token for ${hostOf(clusterUrl)} from Azure CLI` },
      () => broker.signInWithAzureCli(clusterUrl, { tenant: tenant && !/^(organizations|common)$/i.test(tenant) ? tenant : undefined }),
    );
  } catch (error) {
    if (error instanceof SignInError && error.reason === 'unavailable' && /az login/.test(error.message)) {
      const openTerminal = 'Open Terminal';
      if ((await vscode.window.showWarningMessage(error.message, openTerminal)) === openTerminal) {
        const terminal = vscode.window.createTerminal('az login');
        terminal.show();
        // Typed, not run: the user presses Enter (and may add --tenant).
        terminal.sendText(tenant && !/^(organizations|common)$/i.test(tenant) ? `az login --tenant ${tenant}` : 'az login', false);
      }
      throw new SignInError('cancelled', `Run "az login", then sign in to ${clusterUrl} with Azure CLI again.`);
    }
    throw error;
  }
}

function hostOf(clusterUrl: string): string {
  return clusterUrl.replace(/^https?:\/\//, '');
}
