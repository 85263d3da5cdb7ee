// Guards the local servers' `/_test/*` control endpoints (approve a device code, inject a fault, change token
// lifetimes). They listen on 127.0.0.1, but a web page in the user's browser can still reach them (a form post, or
// DNS rebinding, where evil.example resolves to 127.0.0.1): each control request must carry a random token that
// only the process that started the server knows (given to the tests), and name this server as its Host.

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CONTROL_TOKEN_HEADER = 'x-local-control-token';

export function newControlToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The hosts (with port) a request to a server on 127.0.0.1:`port` may name. */
export function loopbackHosts(port: number): ReadonlySet<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Undefined when the control request may go on; else the HTTP status and why not. */
export function refuseControlRequest(
  request: IncomingMessage,
  expected: { readonly token: string; readonly hosts: ReadonlySet<string> },
): { status: number; message: string } | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!expected.hosts.has(host)) {
    return { status: 403, message: `Control requests must name this server as Host (got "${host}").` };
  }
  const presented = request.headers[CONTROL_TOKEN_HEADER];
  const text = Array.isArray(presented) ? presented[0] : presented;
  if (!text || !sameSecret(text, expected.token)) {
    return { status: 401, message: `Control requests need the ${CONTROL_TOKEN_HEADER} header the server was started with.` };
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Appends to a log kept to its last `max` entries (a long-running demo must not grow without bound). */
export function appendBounded<T>(log: T[], entry: T, max: number): void {
  log.push(entry);
  if (log.length > max) {
    log.splice(0, log.length - max);
  }
}
