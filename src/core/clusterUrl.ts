// Turns what a user types for a cluster into one canonical form. For a Kusto cluster the canonical URL is also the
// OAuth resource: a token is minted for `<url>/.default` and may only ever be sent to that same URL. An Azure
// Monitor proxy endpoint (Log Analytics workspace, Application Insights app: monitorProxy.ts) keeps its path, is
// a cluster of its own per workspace, and takes a token for its cloud's Kusto service resource instead.

import {
  MONITOR_PROXY_HOSTS,
  MONITOR_PROXY_RESOURCES,
  MonitorProxyPathError,
  type MonitorProxyTarget,
  looksLikeMonitorProxyPath,
  parseMonitorProxyPath,
} from './monitorProxy';

export class InvalidClusterUrlError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`"${input}" is not a valid Kusto cluster URL: ${reason}. Expected e.g. https://mycluster.westeurope.kusto.windows.net`);
    this.name = 'InvalidClusterUrlError';
  }
}

export interface ClusterEndpoint {
  /**
   * Canonical URL: scheme + host (+ port when not default), lower case, no trailing slash; no path, except for an
   * Azure Monitor proxy endpoint, whose canonical path follows (see `monitor`). Requests go to `<url>/v2/rest/query`.
   */
  readonly url: string;
  /** Host name with port when it is not the default one, e.g. `help.kusto.windows.net` or `127.0.0.1:8082`. */
  readonly host: string;
  /** The token audience: the cluster URL itself, or the cloud's Kusto service for a Monitor proxy endpoint. */
  readonly resource: string;
  /** The OAuth scope to ask for: `<resource>/.default`. */
  readonly scope: string;
  /** What to call it: the host, or the workspace/app name of a Monitor proxy endpoint. */
  readonly displayName: string;
  /** Set for an Azure Monitor (Log Analytics / Application Insights) proxy endpoint. */
  readonly monitor?: MonitorProxyTarget;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Accepts `https://c.region.kusto.windows.net`, `c.region.kusto.windows.net`, a URL with a path or query
 * (e.g. copied from the web UI) and the short `help` form (→ help.kusto.windows.net).
 * Plain `http:` is accepted only for loopback hosts (local servers), never for a remote host: a bearer token
 * must not cross a network unencrypted. On an Azure Monitor proxy host (and on a loopback host, whose path starts
 * with /subscriptions/: the local stand-in) the path is kept and must have one of the documented shapes.
 */
export function parseClusterUrl(input: string): ClusterEndpoint {
  const trimmed = (input ?? '').trim();
  if (!trimmed) {
    throw new InvalidClusterUrlError(input ?? '', 'it is empty');
  }
  if (/\s/.test(trimmed)) {
    throw new InvalidClusterUrlError(trimmed, 'it contains spaces');
  }
  let candidate = trimmed;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) {
    if (/^[a-z0-9-]+$/i.test(candidate) && !/^\d+$/.test(candidate)) {
      candidate = `${candidate}.kusto.windows.net`;
    }
    candidate = `https://${candidate}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    throw new InvalidClusterUrlError(trimmed, 'it cannot be read as a URL');
  }
  const protocol = parsed.protocol.toLowerCase();
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new InvalidClusterUrlError(trimmed, `the scheme "${parsed.protocol}" is not supported (use https://)`);
  }
  if (!parsed.hostname) {
    throw new InvalidClusterUrlError(trimmed, 'it has no host name');
  }
  if (parsed.username || parsed.password) {
    throw new InvalidClusterUrlError(trimmed, 'it must not contain a user name or password');
  }
  const hostProblem = hostGrammarProblem(parsed.hostname);
  if (hostProblem) {
    // The host travels into command lines (az --resource), log lines and token audiences: only DNS names and IP
    // addresses, so that no character a shell or cmd.exe treats specially can ever get through.
    throw new InvalidClusterUrlError(trimmed, hostProblem);
  }
  if (protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new InvalidClusterUrlError(trimmed, 'plain http:// is only allowed for a local server on this machine; use https://');
  }
  const host = parsed.host.toLowerCase();
  const origin = `${protocol}//${host}`;
  const proxyHost = MONITOR_PROXY_HOSTS.get(parsed.hostname.toLowerCase());
  if (proxyHost || (isLoopbackHost(parsed.hostname) && looksLikeMonitorProxyPath(parsed.pathname))) {
    let monitor: MonitorProxyTarget;
    try {
      // A loopback host stands in for the public cloud's proxy (local servers, tests) and serves both kinds.
      monitor = parseMonitorProxyPath(parsed.pathname, proxyHost ?? { cloud: 'public' });
    } catch (error) {
      if (error instanceof MonitorProxyPathError) {
        throw new InvalidClusterUrlError(trimmed, `${error.message} (an Azure Monitor proxy URL, e.g. https://ade.loganalytics.io/subscriptions/<subscription id>/resourcegroups/<resource group>/providers/microsoft.operationalinsights/workspaces/<workspace>)`);
      }
      throw error;
    }
    const resource = MONITOR_PROXY_RESOURCES[monitor.cloud];
    return { url: `${origin}${monitor.path}`, host, resource, scope: `${resource}/.default`, displayName: monitor.displayName, monitor };
  }
  return { url: origin, host, resource: origin, scope: `${origin}/.default`, displayName: host };
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_IN_BRACKETS = /^\[[0-9a-f:.]+\]$/;

/**
 * Undefined when `hostname` (as URL normalises it: lower case, punycode) is a DNS name (letters, digits and `-`
 * in dot-separated labels), an IPv4 address or an IPv6 address in brackets; else why not.
 */
export function hostGrammarProblem(hostname: string): string | undefined {
  const host = hostname.toLowerCase();
  if (IPV6_IN_BRACKETS.test(host) || IPV4.test(host)) {
    return undefined;
  }
  if (host.length > 253) {
    return 'its host name is longer than 253 characters';
  }
  const bad = /[^a-z0-9.-]/.exec(host);
  if (bad) {
    return `its host name contains "${bad[0]}"; a host name has only letters, digits, "-" and "."`;
  }
  if (!host.split('.').every((label) => DNS_LABEL.test(label))) {
    return 'its host name has an empty label or a label that starts or ends with "-"';
  }
  return undefined;
}

/** Like parseClusterUrl, but returns undefined instead of throwing (for settings read in bulk). */
export function tryParseClusterUrl(input: string): ClusterEndpoint | undefined {
  try {
    return parseClusterUrl(input);
  } catch {
    return undefined;
  }
}
