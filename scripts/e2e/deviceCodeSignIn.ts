// The device-code sign-in as a person does it in the end-to-end suites: Kusto: Sign In, pick the cluster, "Copy code
// & open browser" (declining VS Code's prompt about the external page), then approve the code on the local sign-in
// server's page.
import type { LocalStack } from '../../src/localServers/localStack';
import { escapeRegExp } from './querySteps';
import { waitFor, type Workbench } from './workbench';

export const E2E_USER_UPN = 'alice@contoso.com';

const USER_CODE = /code\s+([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})?)/i;

export interface DeviceCodeSignInOptions {
  /** The row to pick when Kusto: Sign In asks for a cluster; by default the one whose URL is the local Kusto server's. */
  readonly clusterRow?: RegExp;
  /** What shows the sign-in is done; by default a status bar entry naming alice. */
  readonly waitUntilSignedIn?: (workbench: Workbench) => Promise<unknown>;
}

/** Signs in with Kusto: Sign In (device code), approving the code on the sign-in server's page as a person does. */
export async function signInWithDeviceCode(workbench: Workbench, stack: LocalStack, options: DeviceCodeSignInOptions = {}): Promise<void> {
  await workbench.clearNotifications();
  await workbench.runCommand('Kusto: Sign In');
  let userCode: string | undefined;
  const clusterRow = options.clusterRow ?? new RegExp(escapeRegExp(new URL(stack.kusto.url).host));
  await waitFor(
    async () => {
      const clusterPick = workbench.quickPickRow(clusterRow);
      if (await clusterPick.isVisible().catch(() => false)) {
        await clusterPick.click();
      }
      const dialog = workbench.page.locator('.monaco-dialog-box').first();
      const message = (await dialog.isVisible().catch(() => false)) ? await dialog.innerText().catch(() => '') : '';
      userCode = USER_CODE.exec(message)?.[1];
      return userCode !== undefined;
    },
    60_000,
    'a dialog showing the device code',
  );
  await copyCodeAndDeclineExternalPage(workbench);
  await approveOnSignInPage(workbench, stack, userCode!);
  await (options.waitUntilSignedIn ?? ((signedIn) => signedIn.waitForStatusBar(/alice/i, 60_000)))(workbench);
}

/** The user code a device-code dialog shows, if it shows one. */
export function userCodeIn(message: string): string | undefined {
  return USER_CODE.exec(message)?.[1];
}

/**
 * Presses "Copy code & open browser" in the device-code dialog; VS Code may then ask whether to open the external
 * website: the person declines (they approve in their own browser) and the sign-in goes on.
 */
export async function copyCodeAndDeclineExternalPage(workbench: Workbench): Promise<void> {
  await workbench.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Copy code & open browser' }).first().click();
  const linkDialog = workbench.page.locator('.monaco-dialog-box', { hasText: /external website/i }).first();
  if (await linkDialog.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
    await linkDialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
  }
}

/** Opens the device login page, types the code, picks the account and presses Approve. */
export async function approveOnSignInPage(workbench: Workbench, stack: LocalStack, userCode: string, upn = E2E_USER_UPN): Promise<void> {
  const loginPage = await workbench.page.context().newPage();
  await loginPage.goto(`${stack.signIn.origin}/devicelogin`);
  await loginPage.locator('#user_code').fill(userCode);
  await loginPage.locator(`input[name="user"][value="${upn}"]`).check();
  await loginPage.locator('button[value="approve"]').click();
  await loginPage.getByText(/signed in/i).first().waitFor({ timeout: 15_000 });
  await loginPage.close();
}
