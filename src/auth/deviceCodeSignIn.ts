import * as vscode from 'vscode';
import { openableSignInUrl } from '../core/auth/verificationUrl';
import type { AccountSummary, DeviceCodePrompt } from '../core/auth/authTypes';
import type { TokenBroker } from '../core/auth/tokenBroker';

const COPY_AND_OPEN = 'Copy code & open browser';

/**
 * Device code sign-in with VS Code UI, in the order VS Code's own account sign-ins use: a dialog with the code
 * and the verification URL whose button copies the code and opens the browser, then a cancellable progress
 * notification (code and URL repeated, for typing it on another device) while MSAL polls. Nothing of it stays
 * on screen once the sign-in ends. Rejects with the broker's DeviceCodeSignInError on cancel, decline or expiry.
 */
export function signInWithDeviceCodeUi(broker: TokenBroker, clusterUrl: string, tenant?: string): Promise<AccountSummary> {
  const host = clusterUrl.replace(/^https?:\/\//, '');
  const controller = new AbortController();
  // The progress notification appears once the person goes on from the dialog, and ends with the sign-in.
  const showProgress = (prompt: DeviceCodePrompt): void => {
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Kusto: signing in to ${host}. Enter the code ${prompt.userCode} at ${prompt.verificationUri}`,
        cancellable: true,
      },
      async (_progress, cancellation) => {
        const subscription = cancellation.onCancellationRequested(() => controller.abort());
        try {
          await signedIn.catch(() => undefined);
        } finally {
          subscription.dispose();
        }
      },
    );
  };
  const signedIn = broker.signInWithDeviceCode(
    clusterUrl,
    (prompt) => {
      void offerCode(prompt, host).then((proceed) => {
        if (!proceed) {
          controller.abort();
        } else if (!controller.signal.aborted) {
          showProgress(prompt);
        }
      });
    },
    controller.signal,
    { tenant },
  );
  return signedIn;
}

/** Shows the code; true when the user goes on (the code is copied and the page opened), false when they cancel. */
async function offerCode(prompt: DeviceCodePrompt, host: string): Promise<boolean> {
  const choice = await vscode.window.showInformationMessage(
    `Sign in to Kusto (${host}) with the code ${prompt.userCode}`,
    {
      modal: true,
      detail: `Open ${prompt.verificationUri} in a browser and enter the code ${prompt.userCode}. It is valid until ${prompt.expiresOn.toLocaleTimeString()}.`,
    },
    COPY_AND_OPEN,
  );
  if (choice !== COPY_AND_OPEN) {
    return false;
  }
  try {
    await vscode.env.clipboard.writeText(prompt.userCode);
  } catch {
    // The code is also in the progress notification; a clipboard refused by the host must not stop the sign-in.
  }
  const url = openableSignInUrl(prompt.verificationUri);
  if (!url) {
    void vscode.window.showErrorMessage(`The sign-in service asked to open "${prompt.verificationUri}", which is not an https address; it was not opened. Check kusto.signIn.authorityHost.`);
    return false;
  }
  await vscode.env.openExternal(vscode.Uri.parse(url.toString(), true));
  return true;
}
