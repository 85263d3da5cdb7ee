// Reading a requested scope string the way Azure AD v2 does: OpenID scopes plus scopes of exactly one resource.

import { AadError } from './aadError';

const OPENID_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface RequestedScopes {
  /** The resource (token audience), e.g. "https://help.kusto.windows.net". */
  readonly resource: string;
  /** The resource's scopes as requested, e.g. ["https://help.kusto.windows.net/.default"]. */
  readonly resourceScopes: readonly string[];
  readonly openId: boolean;
  readonly offlineAccess: boolean;
}

/** The resource a single scope belongs to: the scope without its last path segment. */
export function resourceOfScope(scope: string): string {
  const schemeEnd = scope.indexOf('://');
  if (schemeEnd < 0) {
    // A bare permission such as "User.Read" means Microsoft Graph; "<app id>/.default" means that app.
    const slash = scope.lastIndexOf('/');
    return slash > 0 ? scope.slice(0, slash) : GRAPH_RESOURCE;
  }
  const slash = scope.lastIndexOf('/');
  if (slash <= schemeEnd + 2 || slash === scope.length - 1) {
    throw new AadError(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope '${scope}' has no permission name; use '${scope.replace(/\/+$/, '')}/.default'.`,
    );
  }
  return scope.slice(0, slash);
}

export function parseRequestedScopes(scopeParameter: string | null): RequestedScopes {
  const scopes = (scopeParameter ?? '').split(/\s+/).filter((scope) => scope.length > 0);
  const resourceScopes = scopes.filter((scope) => !OPENID_SCOPES.has(scope.toLowerCase()));
  if (resourceScopes.length === 0) {
    throw new AadError(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The request must ask for one resource, e.g. 'https://help.kusto.windows.net/.default'; it asked for '${scopes.join(' ')}'.`,
    );
  }
  const resources = [...new Set(resourceScopes.map(resourceOfScope))];
  if (resources.length > 1) {
    throw new AadError(
      400,
      'invalid_scope',
      28000,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${resourceScopes.join(' ')} is not valid.`,
    );
  }
  return {
    resource: resources[0],
    resourceScopes,
    openId: scopes.some((scope) => scope.toLowerCase() === 'openid'),
    offlineAccess: scopes.some((scope) => scope.toLowerCase() === 'offline_access'),
  };
}
