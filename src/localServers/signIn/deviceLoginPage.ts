// The human side of the device-code flow: the page a person opens to enter the code and pick an account.

import type { LocalUser } from './directory';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** No scripts at all; forms post back to the same origin only. */
export const DEVICE_LOGIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

/** A complete, self-contained HTML page in the sign-in server's style. */
export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.4rem; }
  label { display: block; margin: 1rem 0 0.3rem; font-weight: 600; }
  input[type=text] { font-size: 1.2rem; letter-spacing: 0.15rem; padding: 0.4rem; width: 100%; box-sizing: border-box; text-transform: uppercase; }
  .account { display: block; font-weight: normal; margin: 0.3rem 0; }
  .buttons { margin-top: 1.5rem; display: flex; gap: 0.8rem; }
  button { font-size: 1rem; padding: 0.5rem 1.4rem; }
  .note { color: #555; font-size: 0.9rem; }
  .error { color: #a4262c; }
  .ok { color: #107c10; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}

export function renderDeviceLoginForm(options: {
  users: readonly LocalUser[];
  formToken: string;
  userCode?: string;
  selectedUpn?: string;
  error?: string;
}): string {
  const selected = options.selectedUpn?.toLowerCase() ?? options.users[0]?.upn.toLowerCase();
  const accounts = options.users
    .map((user) => {
      const checked = user.upn.toLowerCase() === selected ? ' checked' : '';
      return `<label class="account"><input type="radio" name="user" value="${escapeHtml(user.upn)}"${checked}> ${escapeHtml(user.displayName)} &lt;${escapeHtml(user.upn)}&gt;</label>`;
    })
    .join('\n');
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return renderPage(
    'Enter code - local sign-in',
    `<h1>Enter code</h1>
<p class="note">Local sign-in server for development: no password is asked. Enter the code the application shows and choose the account to sign in as.</p>
${error}
<form method="post" action="/devicelogin">
  <input type="hidden" name="form_token" value="${escapeHtml(options.formToken)}">
  <label for="user_code">Code</label>
  <input type="text" id="user_code" name="user_code" autocomplete="off" autofocus required maxlength="20" value="${escapeHtml(options.userCode ?? '')}">
  <fieldset style="border:none;padding:0;margin:0">
    <legend><label>Account</label></legend>
    ${accounts}
  </fieldset>
  <div class="buttons">
    <button type="submit" name="action" value="approve">Approve</button>
    <button type="submit" name="action" value="deny">Deny</button>
  </div>
</form>`,
  );
}

export function renderDeviceLoginResult(options: { approved: boolean; upn?: string; warning?: string }): string {
  const heading = options.approved ? 'Signed in' : 'Sign-in denied';
  const text = options.approved
    ? `You signed in as ${escapeHtml(options.upn ?? '')}. You can close this window and return to the application.`
    : 'The application will be told that the sign-in was declined. You can close this window.';
  const warning = options.warning ? `<p class="error">${escapeHtml(options.warning)}</p>` : '';
  return renderPage(heading, `<h1 class="${options.approved ? 'ok' : 'error'}">${heading}</h1>\n<p>${text}</p>\n${warning}\n<p><a href="/devicelogin">Enter another code</a></p>`);
}
