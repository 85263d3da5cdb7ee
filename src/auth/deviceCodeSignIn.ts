import * as vscode from 'vscode';
import type { AccountSummary, DeviceCodePrompt, TokenBroker } from '../core/auth/tokenBroker';

const COPY_AND_OPEN = 'Copy code & open browser';

/**
 * Device code sign-in with VS Code UI: a notification with the code and the verification URL (button copies
 * the code and opens the browser) and a cancellable progress while MSAL polls. Rejects with the broker's
 * DeviceCodeSignInError on cancel, decline or expiry.
 */
export function signInWithDeviceCodeUi(broker: TokenBroker, clusterUrl: string, tenant?: string): Promise<AccountSummary> {
  const host = clusterUrl.replace(/^https?:\/\//, '');
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kusto: signing in to ${host}`, cancellable: true },
      async (progress, cancellation) => {
        const controller = new AbortController();
        const subscription = cancellation.onCancellationRequested(() => controller.abort());
        try {
          progress.report({ message: 'requesting a sign-in code…' });
          return await broker.signInWithDeviceCode(
            clusterUrl,
            (prompt) => {
              progress.report({ message: `enter code ${prompt.userCode} at ${prompt.verificationUri} (waiting…)` });
              void offerCode(prompt, controller.signal);
            },
            controller.signal,
            { tenant },
          );
        } finally {
          subscription.dispose();
        }
      },
    ),
  );
}

async function offerCode(prompt: DeviceCodePrompt, signal: AbortSignal): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `To sign in to Kusto, open ${prompt.verificationUri} and enter the code ${prompt.userCode}.`,
    COPY_AND_OPEN,
  );
  if (choice !== COPY_AND_OPEN || signal.aborted) {
    return;
  }
  await vscode.env.clipboard.writeText(prompt.userCode);
  await vscode.env.openExternal(vscode.Uri.parse(prompt.verificationUri));
}
