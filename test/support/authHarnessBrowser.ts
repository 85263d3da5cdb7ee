// Plays the user's browser for a browser (authorization code + PKCE) sign-in: opens the authorize URL on the local
// sign-in server, picks an account on its chooser page when there is one, and delivers the form_post answer to
// MSAL's loopback listener on 127.0.0.1, exactly as a browser would.

import { Agent, request } from 'undici';
import type { RunningSignInServer } from '../../src/localServers/signIn/signInServer';

function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Reads the form of an HTML page: its action and hidden fields. */
export function readForm(html: string): { action: string; fields: Record<string, string> } {
  const action = unescapeHtml(/<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? '');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(match[1])] = unescapeHtml(match[2]);
  }
  return { action, fields };
}

export interface FakeBrowser {
  /** Every URL MSAL asked to open. */
  readonly opened: string[];
  /** What the loopback listener showed at the end (MSAL's success or error template). */
  readonly finalPages: string[];
  /** An openBrowser callback; `upn` picks the account on the chooser page when MSAL sent no login_hint. */
  openBrowser(upn?: string): (url: string) => Promise<void>;
  /** An openBrowser callback that only records the URL and never answers (a user who walked away). */
  openAndWalkAway(): (url: string) => Promise<void>;
  close(): Promise<void>;
}

export function createFakeBrowser(server: RunningSignInServer): FakeBrowser {
  const agent = new Agent({ connect: { ca: server.caCertificatePem } });
  const opened: string[] = [];
  const finalPages: string[] = [];

  const submitToLoopback = async (html: string): Promise<void> => {
    const { action, fields } = readForm(html);
    const target = new URL(action);
    if (target.hostname !== 'localhost' && target.hostname !== '127.0.0.1') {
      throw new Error(`the sign-in answer must go to the loopback listener, not ${target.host}`);
    }
    target.hostname = '127.0.0.1';
    const response = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    finalPages.push(await response.body.text());
  };

  return {
    opened,
    finalPages,
    openBrowser: (upn?: string) => async (url: string) => {
      opened.push(url);
      // MSAL waits for the listener's answer; the browser works on in the background as a real one would.
      void (async () => {
        const page = await request(url, { dispatcher: agent });
        let html = await page.body.text();
        if (/Pick an account/.test(html)) {
          const { action, fields } = readForm(html);
          const chosen = await request(new URL(action, server.origin), {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ ...fields, user: upn ?? server.users[0].upn, action: 'approve' }).toString(),
          });
          html = await chosen.body.text();
        }
        await submitToLoopback(html);
      })().catch(() => undefined);
    },
    openAndWalkAway: () => async (url: string) => {
      opened.push(url);
    },
    close: () => agent.close(),
  };
}
