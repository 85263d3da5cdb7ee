// Pages of the authorization-code flow: choosing an account, the form_post hand-back to the app's loopback
// redirect URI, and errors that must not be sent to an unverified redirect URI.

import type { LocalUser } from './directory';
import { escapeHtml, renderPage } from './deviceLoginPage';

export function renderAccountChooser(options: {
  users: readonly LocalUser[];
  formToken: string;
  requestId: string;
  tenantSegment: string;
  clientId: string;
  resource: string;
  loginHint?: string;
}): string {
  const hint = options.loginHint?.toLowerCase();
  const accounts = options.users
    .map((user, index) => {
      const checked = (hint ? user.upn.toLowerCase() === hint : index === 0) ? ' checked' : '';
      return `<label class="account"><input type="radio" name="user" value="${escapeHtml(user.upn)}"${checked}> ${escapeHtml(user.displayName)} &lt;${escapeHtml(user.upn)}&gt;</label>`;
    })
    .join('\n');
  return renderPage(
    'Pick an account - local sign-in',
    `<h1>Pick an account</h1>
<p class="note">Application <code>${escapeHtml(options.clientId)}</code> asks to access <code>${escapeHtml(options.resource)}</code> for you. Local sign-in server for development: no password is asked.</p>
<form method="post" action="/${encodeURIComponent(options.tenantSegment)}/oauth2/v2.0/authorize">
  <input type="hidden" name="form_token" value="${escapeHtml(options.formToken)}">
  <input type="hidden" name="request_id" value="${escapeHtml(options.requestId)}">
  ${accounts}
  <div class="buttons">
    <button type="submit" name="action" value="approve">Continue</button>
    <button type="submit" name="action" value="deny">Cancel</button>
  </div>
</form>`,
  );
}

/** The response_mode=form_post hand-back: a form to the redirect URI, submitted by a nonce'd script. */
export function renderFormPost(redirectUri: string, fields: Record<string, string>, scriptNonce: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n  ');
  return renderPage(
    'Returning to the application',
    `<h1>Returning to the application…</h1>
<form method="post" action="${escapeHtml(redirectUri)}">
  ${inputs}
  <noscript><button type="submit">Continue</button></noscript>
</form>
<script nonce="${escapeHtml(scriptNonce)}">document.forms[0].submit();</script>`,
  );
}

export function renderAuthorizeError(message: string): string {
  return renderPage('Sign-in error', `<h1 class="error">Sign-in error</h1>\n<p>${escapeHtml(message)}</p>`);
}
