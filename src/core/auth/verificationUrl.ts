// Addresses the sign-in service asks the user to open (device code verification URL, browser sign-in page): only
// https, so that no `command:`, `file:`, `vscode:` or `javascript:` link and no unencrypted page is ever opened
// on a service's word.

/** The URL when it is an https address with a host and no credentials in it; undefined otherwise. */
export function openableSignInUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  return url.protocol === 'https:' && url.hostname && !url.username && !url.password ? url : undefined;
}
