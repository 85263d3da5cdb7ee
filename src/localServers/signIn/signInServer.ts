// A local stand-in for the Microsoft identity platform (Azure AD v2) that the real @azure/msal-node accepts:
// OpenID discovery, JWKS, device-code, refresh-token and client-credentials grants, and a small page on which a
// person (or a test, over HTTP) approves a device code. It serves https because MSAL refuses http authorities.

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loopbackHosts, newControlToken, refuseControlRequest } from '../controlAccess';
import { defaultDevCertificateDir, ensureDevCertificate } from '../devCertificate';
import { AadError, missingParameter } from './aadError';
import { AuthorizationCodeStore, type AuthorizationRequest } from './authorizationCodeStore';
import { renderAccountChooser, renderAuthorizeError, renderFormPost } from './authorizePage';
import { DEVICE_LOGIN_CSP, escapeHtml, renderDeviceLoginForm, renderDeviceLoginResult, renderPage } from './deviceLoginPage';
import { DeviceCodeDecisionError, DeviceCodeStore } from './deviceCodeStore';
import { DEFAULT_USERS, LocalDirectory, type LocalUser, type ResolvedTenant } from './directory';
import { RefreshTokenStore } from './refreshTokenStore';
import { parseRequestedScopes, type RequestedScopes } from './scopes';
import { base64UrlEncode, createTokenSigner, type TokenSigner } from './tokenSigner';

export type { LocalUser } from './directory';

export interface ConfidentialClient {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  /** App roles put into the app token's `roles` claim (default: none). */
  roles?: string[];
}

export interface SignInServerOptions {
  /** 0 or undefined = any free port; always binds 127.0.0.1. */
  port?: number;
  accessTokenLifetimeSeconds?: number;
  refreshTokenLifetimeSeconds?: number;
  deviceCodeLifetimeSeconds?: number;
  pollIntervalSeconds?: number;
  /** Where the self-signed certificate and key live (created if missing); default <repo>/.local/dev-cert. */
  certificateDir?: string;
  users?: LocalUser[];
  confidentialClients?: ConfidentialClient[];
  /** Receives one line per request: method, path, grant type and outcome; never a token or a device_code. */
  log?: (line: string) => void;
}

export interface RunningSignInServer {
  readonly origin: string;
  readonly caCertificatePath: string;
  readonly caCertificatePem: string;
  authority(tenant?: string): string;
  readonly jwksUri: string;
  readonly users: readonly LocalUser[];
  /** Secret for the `/_test/*` control endpoints: send it as the x-local-control-token header. */
  readonly controlToken: string;
  approveDeviceCode(userCode: string, upn: string): void;
  denyDeviceCode(userCode: string): void;
  revokeRefreshTokens(upn: string): void;
  pendingDeviceCodes(): { userCode: string; scope: string; expiresAt: Date }[];
  setAccessTokenLifetime(seconds: number): void;
  close(): Promise<void>;
}

const DEFAULTS = {
  accessTokenLifetimeSeconds: 3600,
  refreshTokenLifetimeSeconds: 90 * 24 * 3600,
  deviceCodeLifetimeSeconds: 900,
  pollIntervalSeconds: 5,
};
const ID_TOKEN_LIFETIME_SECONDS = 3600;
const MAX_BODY_BYTES = 64 * 1024;
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** MSAL sends the short form; Azure AD accepts both. */
const DEVICE_CODE_GRANT_SHORT = 'device_code';

/** A failure of a /_test control request or of the device login form, with the HTTP status to answer. */
class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`Sign-in server option ${name} must be a positive number of seconds (got ${String(value)}).`);
  }
  return value;
}

export async function startSignInServer(options: SignInServerOptions = {}): Promise<RunningSignInServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Sign-in server option port must be an integer from 0 to 65535 (got ${String(options.port)}).`);
  }
  const pollIntervalSeconds = positiveNumber('pollIntervalSeconds', options.pollIntervalSeconds, DEFAULTS.pollIntervalSeconds);
  if (!Number.isInteger(pollIntervalSeconds)) {
    throw new Error(`Sign-in server option pollIntervalSeconds must be a whole number of seconds (got ${pollIntervalSeconds}).`);
  }
  const settings = {
    accessTokenLifetimeSeconds: positiveNumber('accessTokenLifetimeSeconds', options.accessTokenLifetimeSeconds, DEFAULTS.accessTokenLifetimeSeconds),
    refreshTokenLifetimeSeconds: positiveNumber('refreshTokenLifetimeSeconds', options.refreshTokenLifetimeSeconds, DEFAULTS.refreshTokenLifetimeSeconds),
    deviceCodeLifetimeSeconds: positiveNumber('deviceCodeLifetimeSeconds', options.deviceCodeLifetimeSeconds, DEFAULTS.deviceCodeLifetimeSeconds),
    pollIntervalSeconds,
  };
  const directory = new LocalDirectory(options.users ?? DEFAULT_USERS);
  for (const client of options.confidentialClients ?? []) {
    if (!client.clientId || !client.clientSecret || !client.tenantId) {
      throw new Error('Each confidential client needs a clientId, a clientSecret and a tenantId.');
    }
  }
  const [certificate, signer] = await Promise.all([
    ensureDevCertificate(options.certificateDir ?? defaultDevCertificateDir()),
    createTokenSigner(),
  ]);

  let service: SignInService | undefined;
  const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, (request, response) => {
    // The service exists before the first request can arrive (listen resolves first).
    service?.handle(request, response).catch(() => {
      // Only a failure while answering an error gets here; drop the connection rather than crash the server.
      response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on 127.0.0.1 is already in use; choose another port for the sign-in server, or 0 for any free port.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const control = { token: newControlToken(), hosts: loopbackHosts((server.address() as AddressInfo).port) };
  const running = new SignInService(origin, directory, signer, settings, options.confidentialClients ?? [], options.log ?? (() => undefined), control);
  service = running;

  return {
    origin,
    caCertificatePath: certificate.certPath,
    caCertificatePem: certificate.certPem,
    authority: (tenant?: string) => `${origin}/${tenant ?? 'organizations'}`,
    jwksUri: `${origin}/discovery/v2.0/keys`,
    users: directory.users,
    controlToken: control.token,
    approveDeviceCode: (userCode, upn) => {
      running.approve(userCode, upn);
    },
    denyDeviceCode: (userCode) => running.deviceCodes.deny(userCode),
    revokeRefreshTokens: (upn) => {
      if (!directory.findUser(upn)) {
        throw new Error(`Unknown user "${upn}"; known users: ${directory.users.map((user) => user.upn).join(', ')}.`);
      }
      running.refreshTokens.revokeAll(upn);
    },
    pendingDeviceCodes: () => running.deviceCodes.pending(),
    setAccessTokenLifetime: (seconds) => {
      settings.accessTokenLifetimeSeconds = positiveNumber('accessTokenLifetimeSeconds', seconds, settings.accessTokenLifetimeSeconds);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Settings {
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  deviceCodeLifetimeSeconds: number;
  pollIntervalSeconds: number;
}

interface TokenResponse {
  token_type: 'Bearer';
  scope?: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

class SignInService {
  readonly deviceCodes = new DeviceCodeStore();
  readonly refreshTokens = new RefreshTokenStore();
  readonly authorizationCodes = new AuthorizationCodeStore();
  /** Guards the device login form against posts from other sites. */
  private readonly formToken = randomBytes(24).toString('base64url');

  constructor(
    private readonly origin: string,
    private readonly directory: LocalDirectory,
    private readonly signer: TokenSigner,
    private readonly settings: Settings,
    private readonly confidentialClients: readonly ConfidentialClient[],
    private readonly log: (line: string) => void,
    private readonly controlAccess: { readonly token: string; readonly hosts: ReadonlySet<string> },
  ) {}

  /** Approves a code as `upn`; returns the user and, when the account cannot use the grant's tenant, why. */
  approve(userCode: string, upn: string): { user: LocalUser; tenantProblem?: string } {
    const user = this.directory.findUser(upn);
    if (!user) {
      throw new ControlError(400, `Unknown user "${upn}". Known users: ${this.directory.users.map((known) => known.upn).join(', ')}.`);
    }
    const grant = this.deviceCodes.approve(userCode, user);
    try {
      this.directory.assertUserCanSignIn(user, grant.tenant);
      return { user };
    } catch (error) {
      // Like Azure AD the sign-in then fails; the application hears AADSTS50020 when it polls.
      return { user, tenantProblem: error instanceof AadError ? `AADSTS${error.aadstsCode}: ${error.description}` : String(error) };
    }
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const method = request.method ?? 'GET';
    const outcome = { detail: '' };
    try {
      await this.route(method, url, request, response, outcome);
    } catch (error) {
      if (error instanceof AadError) {
        const correlationId = headerValue(request, 'client-request-id');
        sendJson(response, error.status, error.toBody(this.origin, correlationId));
        outcome.detail += ` ${error.error}`;
      } else if (error instanceof ControlError || error instanceof DeviceCodeDecisionError) {
        const status = error instanceof ControlError ? error.status : error.httpStatus;
        sendJson(response, status, { error: 'invalid_request', error_description: error.message });
      } else {
        sendJson(response, 500, { error: 'server_error', error_description: 'The local sign-in server failed; see its log.' });
        this.log(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.log(`${method} ${url.pathname}${outcome.detail} -> ${response.statusCode}`);
  }

  private async route(method: string, url: URL, request: IncomingMessage, response: ServerResponse, outcome: { detail: string }): Promise<void> {
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter((segment) => segment.length > 0).map(decodeURIComponent);
    } catch {
      throw new ControlError(400, 'The request path is not valid percent-encoding.');
    }
    const path = `/${segments.join('/')}`;

    if (path === '/' && method === 'GET') {
      sendHtml(
        response,
        200,
        renderPage(
          'Local sign-in server',
          `<h1>Local sign-in server</h1>\n<p>A development stand-in for the Microsoft identity platform.</p>\n<p><a href="/devicelogin">Enter a device code</a></p>\n<p class="note">Authority: ${escapeHtml(this.origin)}/organizations</p>`,
        ),
      );
      return;
    }

    if (path === '/devicelogin') {
      if (method === 'GET') {
        sendHtml(response, 200, renderDeviceLoginForm({ users: this.directory.users, formToken: this.formToken, userCode: url.searchParams.get('otc') ?? '' }));
        return;
      }
      requireMethod(method, 'POST');
      await this.submitDeviceLogin(request, response);
      return;
    }
    if (path === '/error') {
      const code = url.searchParams.get('code') ?? '';
      sendHtml(response, 200, `<!DOCTYPE html><title>Error</title><p>Local sign-in server error AADSTS${escapeHtml(code)}. The error description returned with it explains the cause.</p>`);
      return;
    }
    if (segments[0] === '_test') {
      const refused = refuseControlRequest(request, this.controlAccess);
      if (refused) {
        throw new ControlError(refused.status, refused.message);
      }
      await this.control(method, path, request, response);
      return;
    }
    if (path === '/discovery/v2.0/keys' || path === '/discovery/keys' || (segments.length === 4 && path.endsWith('/discovery/v2.0/keys'))) {
      requireMethod(method, 'GET');
      sendJson(response, 200, { keys: [this.signer.publicJwk] });
      return;
    }
    if (path === '/common/discovery/instance') {
      requireMethod(method, 'GET');
      const host = new URL(this.origin).host;
      sendJson(response, 200, {
        tenant_discovery_endpoint: `${this.origin}/{tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
      return;
    }
    if (segments.length === 4 && segments[1] === 'v2.0' && segments[2] === '.well-known' && segments[3] === 'openid-configuration') {
      requireMethod(method, 'GET');
      sendJson(response, 200, this.openIdConfiguration(segments[0]));
      return;
    }
    if (segments.length === 4 && segments[1] === 'oauth2' && segments[2] === 'v2.0') {
      const tenantSegment = segments[0];
      switch (segments[3]) {
        case 'devicecode':
          requireMethod(method, 'POST');
          sendJson(response, 200, this.issueDeviceCode(tenantSegment, await readForm(request)), true);
          return;
        case 'token': {
          requireMethod(method, 'POST');
          const form = await readForm(request);
          const grantType = form.get('grant_type') ?? '';
          outcome.detail = ` grant_type=${grantType === DEVICE_CODE_GRANT ? DEVICE_CODE_GRANT_SHORT : grantType.slice(0, 40)}`;
          sendJson(response, 200, this.token(tenantSegment, form, request), true);
          return;
        }
        case 'authorize':
          if (method === 'GET') {
            this.authorize(tenantSegment, url.searchParams, response);
            return;
          }
          requireMethod(method, 'POST');
          this.submitAuthorize(await readForm(request), response);
          return;
        case 'logout':
          sendHtml(response, 200, '<!DOCTYPE html><title>Signed out</title><p>You are signed out of the local sign-in server. You can close this window.</p>');
          return;
        default:
          break;
      }
    }
    throw new ControlError(404, `Nothing is served at ${method} ${url.pathname} on the local sign-in server.`);
  }

  private openIdConfiguration(tenantSegment: string): Record<string, unknown> {
    const tenant = this.directory.resolveTenant(tenantSegment);
    // Like Azure AD: aliases keep their name and a {tenantid} issuer template; a domain resolves to its tenant id.
    const pathTenant = tenant.kind === 'alias' ? tenant.alias : tenant.tenantId;
    const base = `${this.origin}/${pathTenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      jwks_uri: `${this.origin}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${this.origin}/${tenant.kind === 'alias' ? '{tenantid}' : tenant.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
      grant_types_supported: ['authorization_code', DEVICE_CODE_GRANT, 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      tenant_region_scope: null,
      cloud_instance_name: new URL(this.origin).host,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  private issueDeviceCode(tenantSegment: string, form: URLSearchParams): Record<string, unknown> {
    const tenant = this.directory.resolveTenant(tenantSegment);
    const clientId = requiredParameter(form, 'client_id');
    const scopeParameter = requiredParameter(form, 'scope');
    const scopes = parseRequestedScopes(scopeParameter);
    const { deviceCode, grant } = this.deviceCodes.issue({
      clientId,
      tenant,
      scopeParameter,
      scopes,
      lifetimeSeconds: this.settings.deviceCodeLifetimeSeconds,
      intervalSeconds: this.settings.pollIntervalSeconds,
    });
    const verificationUri = `${this.origin}/devicelogin`;
    return {
      user_code: grant.userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: Math.round(this.settings.deviceCodeLifetimeSeconds),
      interval: this.settings.pollIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${grant.userCode} to authenticate.`,
    };
  }

  private token(tenantSegment: string, form: URLSearchParams, request: IncomingMessage): TokenResponse {
    const tenant = this.directory.resolveTenant(tenantSegment);
    const grantType = requiredParameter(form, 'grant_type');
    switch (grantType) {
      case DEVICE_CODE_GRANT:
      case DEVICE_CODE_GRANT_SHORT: {
        const clientId = requiredParameter(form, 'client_id');
        const grant = this.deviceCodes.redeem(requiredParameter(form, 'device_code'), clientId);
        const user = grant.approvedUser as LocalUser;
        this.directory.assertUserCanSignIn(user, grant.tenant);
        return this.userTokens(user, clientId, grant.scopes, form.get('client_info') === '1', grant.scopes.offlineAccess);
      }
      case 'refresh_token': {
        const clientId = requiredParameter(form, 'client_id');
        const record = this.refreshTokens.check(requiredParameter(form, 'refresh_token'), clientId);
        const user = this.directory.findUser(record.upn);
        if (!user) {
          throw new AadError(400, 'invalid_grant', 50034, `The user account '${record.upn}' does not exist in the directory. Sign in again.`);
        }
        this.directory.assertUserCanSignIn(user, tenant);
        const scopes = parseRequestedScopes(requiredParameter(form, 'scope'));
        // Azure AD answers every refresh with a new refresh token.
        return this.userTokens(user, clientId, scopes, form.get('client_info') === '1', true);
      }
      case 'client_credentials':
        return this.appToken(tenant, form, request);
      case 'authorization_code': {
        const clientId = requiredParameter(form, 'client_id');
        const { request: authorization, user } = this.authorizationCodes.redeem(
          requiredParameter(form, 'code'),
          clientId,
          form.get('redirect_uri'),
          form.get('code_verifier'),
        );
        this.directory.assertUserCanSignIn(user, authorization.tenant);
        const scopeParameter = form.get('scope');
        const scopes = scopeParameter ? parseRequestedScopes(scopeParameter) : authorization.scopes;
        return this.userTokens(user, clientId, scopes, form.get('client_info') === '1', scopes.offlineAccess, authorization.nonce);
      }
      case 'password':
        throw new AadError(400, 'unsupported_grant_type', 70003, `The local sign-in server does not support the grant type '${grantType}'; use the device code flow.`);
      default:
        throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType.slice(0, 80)}'.`);
    }
  }

  private userTokens(
    user: LocalUser,
    clientId: string,
    scopes: RequestedScopes,
    includeClientInfo: boolean,
    includeRefreshToken: boolean,
    nonce?: string,
  ): TokenResponse {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = Math.round(this.settings.accessTokenLifetimeSeconds);
    const issuer = `${this.origin}/${user.tenantId}/v2.0`;
    // Azure AD's `sub` is pairwise: the same user has a different subject in each app.
    const subject = createHash('sha256').update(`${user.objectId}|${clientId}`).digest('base64url').slice(0, 43);
    const accessToken = this.signer.sign({
      aud: scopes.resource,
      iss: issuer,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      azp: clientId,
      azpacr: '0',
      appid: clientId,
      appidacr: '0',
      idtyp: 'user',
      name: user.displayName,
      oid: user.objectId,
      preferred_username: user.upn,
      upn: user.upn,
      scp: 'user_impersonation',
      sub: subject,
      tid: user.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    });
    const response: TokenResponse = {
      token_type: 'Bearer',
      scope: scopes.resourceScopes.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
    if (includeRefreshToken) {
      response.refresh_token = this.refreshTokens.issue(user.upn, clientId, this.settings.refreshTokenLifetimeSeconds);
    }
    if (scopes.openId) {
      response.id_token = this.signer.sign({
        aud: clientId,
        iss: issuer,
        iat: now,
        nbf: now,
        exp: now + ID_TOKEN_LIFETIME_SECONDS,
        name: user.displayName,
        oid: user.objectId,
        preferred_username: user.upn,
        sub: subject,
        tid: user.tenantId,
        ver: '2.0',
        ...(nonce ? { nonce } : {}),
      });
    }
    if (includeClientInfo) {
      response.client_info = base64UrlEncode(JSON.stringify({ uid: user.objectId, utid: user.tenantId }));
    }
    return response;
  }

  private appToken(tenant: ResolvedTenant, form: URLSearchParams, request: IncomingMessage): TokenResponse {
    if (tenant.kind !== 'tenant') {
      throw new AadError(
        400,
        'invalid_request',
        50059,
        `No tenant-identifying information found in either the request or implied by any provided credentials. Use the tenant id instead of '${tenant.alias}' in the authority for client credentials.`,
      );
    }
    const basic = basicCredentials(request);
    const clientId = basic?.clientId ?? requiredParameter(form, 'client_id');
    const clientSecret = basic?.clientSecret ?? form.get('client_secret');
    const client = this.confidentialClients.find(
      (candidate) => candidate.clientId === clientId && candidate.tenantId.toLowerCase() === tenant.tenantId.toLowerCase(),
    );
    if (!client) {
      throw new AadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant.`,
      );
    }
    if (!clientSecret) {
      throw new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (!secretsEqual(clientSecret, client.clientSecret)) {
      throw new AadError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    const scopes = parseRequestedScopes(requiredParameter(form, 'scope'));
    if (scopes.resourceScopes.length !== 1 || !scopes.resourceScopes[0].endsWith('/.default')) {
      throw new AadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scopes.resourceScopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const lifetime = Math.round(this.settings.accessTokenLifetimeSeconds);
    const servicePrincipalId = uuidFromHash(`${client.clientId}|${client.tenantId}`);
    const accessToken = this.signer.sign({
      aud: scopes.resource,
      iss: `${this.origin}/${client.tenantId}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      azp: client.clientId,
      azpacr: '1',
      appid: client.clientId,
      appidacr: '1',
      idtyp: 'app',
      oid: servicePrincipalId,
      sub: servicePrincipalId,
      roles: client.roles ?? [],
      tid: client.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '2.0',
    });
    return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
  }

  /**
   * GET authorize: checks the request, then either answers at once (a login_hint naming a known user, like
   * single sign-on) or shows an account chooser. Until the redirect URI is known to be a loopback address,
   * errors are shown on the page, never sent to it.
   */
  private authorize(tenantSegment: string, query: URLSearchParams, response: ServerResponse): void {
    let tenant: ResolvedTenant;
    try {
      tenant = this.directory.resolveTenant(tenantSegment);
    } catch (error) {
      sendHtml(response, 400, renderAuthorizeError(error instanceof AadError ? `AADSTS${error.aadstsCode}: ${error.description}` : String(error)));
      return;
    }
    const clientId = query.get('client_id');
    const redirectUri = query.get('redirect_uri');
    if (!clientId) {
      sendHtml(response, 400, renderAuthorizeError("AADSTS900144: The request must contain the parameter 'client_id'."));
      return;
    }
    if (!redirectUri || !isLoopbackRedirectUri(redirectUri)) {
      sendHtml(
        response,
        400,
        renderAuthorizeError(`AADSTS50011: The redirect URI '${redirectUri ?? ''}' is not allowed. The local sign-in server only redirects to http://localhost or http://127.0.0.1 (a native app's loopback listener).`),
      );
      return;
    }
    const responseMode = query.get('response_mode') === 'form_post' ? 'form_post' : 'query';
    const state = query.get('state') ?? undefined;
    const fail = (error: AadError): void =>
      this.sendAuthorizationResponse(response, { redirectUri, responseMode }, {
        error: error.error,
        error_description: `AADSTS${error.aadstsCode}: ${error.description}`,
        state,
      });
    if (query.get('response_type') !== 'code') {
      fail(new AadError(400, 'unsupported_response_type', 700054, `response_type '${query.get('response_type') ?? ''}' is not supported; use 'code'.`));
      return;
    }
    const codeChallenge = query.get('code_challenge');
    if (!codeChallenge || query.get('code_challenge_method') !== 'S256') {
      fail(new AadError(400, 'invalid_request', 9002325, 'Proof Key for Code Exchange is required: send code_challenge with code_challenge_method=S256.'));
      return;
    }
    let scopes: RequestedScopes;
    try {
      scopes = parseRequestedScopes(query.get('scope'));
    } catch (error) {
      if (error instanceof AadError) {
        fail(error);
        return;
      }
      throw error;
    }
    const authorization: AuthorizationRequest = {
      clientId,
      tenant,
      redirectUri,
      scopes,
      codeChallenge,
      state,
      nonce: query.get('nonce') ?? undefined,
      responseMode,
      clientInfo: query.get('client_info') === '1',
    };
    const loginHint = query.get('login_hint') ?? undefined;
    const hintedUser = loginHint ? this.directory.findUser(loginHint) : undefined;
    const prompt = query.get('prompt');
    if (hintedUser && prompt !== 'select_account' && prompt !== 'login') {
      this.completeAuthorization(response, authorization, hintedUser);
      return;
    }
    const requestId = this.authorizationCodes.holdRequest(authorization);
    sendHtml(
      response,
      200,
      renderAccountChooser({ users: this.directory.users, formToken: this.formToken, requestId, tenantSegment, clientId, resource: scopes.resource, loginHint }),
    );
  }

  /** POST authorize: the account chooser's Continue or Cancel. */
  private submitAuthorize(form: URLSearchParams, response: ServerResponse): void {
    if (!secretsEqual(form.get('form_token') ?? '', this.formToken)) {
      sendHtml(response, 403, renderAuthorizeError('This page has expired (the sign-in server restarted). Start the sign-in again from the application.'));
      return;
    }
    const authorization = this.authorizationCodes.takeRequest(form.get('request_id') ?? '');
    if (!authorization) {
      sendHtml(response, 400, renderAuthorizeError('This sign-in request has expired or was already answered. Start the sign-in again from the application.'));
      return;
    }
    const state = { state: authorization.state };
    if (form.get('action') === 'deny') {
      this.sendAuthorizationResponse(response, authorization, {
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
        ...state,
      });
      return;
    }
    const user = this.directory.findUser(form.get('user') ?? '');
    if (!user) {
      sendHtml(response, 400, renderAuthorizeError('Choose one of the listed accounts. Start the sign-in again from the application.'));
      return;
    }
    this.completeAuthorization(response, authorization, user);
  }

  private completeAuthorization(response: ServerResponse, authorization: AuthorizationRequest, user: LocalUser): void {
    const state = { state: authorization.state };
    try {
      this.directory.assertUserCanSignIn(user, authorization.tenant);
    } catch (error) {
      if (error instanceof AadError) {
        this.sendAuthorizationResponse(response, authorization, { error: 'access_denied', error_description: `AADSTS${error.aadstsCode}: ${error.description}`, ...state });
        return;
      }
      throw error;
    }
    const code = this.authorizationCodes.issue(authorization, user);
    this.sendAuthorizationResponse(response, authorization, {
      code,
      ...state,
      client_info: authorization.clientInfo ? base64UrlEncode(JSON.stringify({ uid: user.objectId, utid: user.tenantId })) : undefined,
    });
  }

  private sendAuthorizationResponse(
    response: ServerResponse,
    target: { redirectUri: string; responseMode: 'form_post' | 'query' },
    fieldsWithGaps: Record<string, string | undefined>,
  ): void {
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(fieldsWithGaps)) {
      if (value !== undefined) {
        fields[name] = value;
      }
    }
    if (target.responseMode === 'form_post') {
      const nonce = randomBytes(16).toString('base64');
      const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action ${new URL(target.redirectUri).origin}; frame-ancestors 'none'`;
      sendHtml(response, 200, renderFormPost(target.redirectUri, fields, nonce), csp);
      return;
    }
    const location = new URL(target.redirectUri);
    for (const [name, value] of Object.entries(fields)) {
      location.searchParams.set(name, value);
    }
    response.writeHead(302, { Location: location.toString(), 'Cache-Control': 'no-store' });
    response.end();
  }

  private async submitDeviceLogin(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readForm(request);
    const userCode = form.get('user_code') ?? '';
    const upn = form.get('user') ?? '';
    const rerender = (status: number, error: string): void =>
      sendHtml(response, status, renderDeviceLoginForm({ users: this.directory.users, formToken: this.formToken, userCode, selectedUpn: upn, error }));
    if (!secretsEqual(form.get('form_token') ?? '', this.formToken)) {
      rerender(403, 'This form has expired (the sign-in server restarted). Enter the code again.');
      return;
    }
    if (!userCode.trim()) {
      rerender(400, 'Enter the code shown by the application.');
      return;
    }
    try {
      if (form.get('action') === 'deny') {
        this.deviceCodes.deny(userCode);
        sendHtml(response, 200, renderDeviceLoginResult({ approved: false }));
        return;
      }
      const { user, tenantProblem } = this.approve(userCode, upn);
      sendHtml(response, 200, renderDeviceLoginResult({ approved: true, upn: user.upn, warning: tenantProblem }));
    } catch (error) {
      if (error instanceof DeviceCodeDecisionError || error instanceof ControlError) {
        rerender(error instanceof ControlError ? error.status : error.httpStatus, error.message);
        return;
      }
      throw error;
    }
  }

  private async control(method: string, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (method === 'GET' && path === '/_test/devicecode/pending') {
      sendJson(response, 200, {
        pending: this.deviceCodes.pending().map((pending) => ({ ...pending, expiresAt: pending.expiresAt.toISOString() })),
      });
      return;
    }
    requireMethod(method, 'POST');
    // Requiring JSON keeps plain cross-site form posts from a web page out of the control endpoints.
    if (!(headerValue(request, 'content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new ControlError(415, 'Control requests must send a JSON body with Content-Type: application/json.');
    }
    const body = await readJson(request);
    switch (path) {
      case '/_test/devicecode/approve': {
        const { user, tenantProblem } = this.approve(stringField(body, 'user_code'), stringField(body, 'user'));
        sendJson(response, 200, { approved: true, user: user.upn, ...(tenantProblem ? { warning: tenantProblem } : {}) });
        return;
      }
      case '/_test/devicecode/deny':
        this.deviceCodes.deny(stringField(body, 'user_code'));
        sendJson(response, 200, { denied: true });
        return;
      case '/_test/refresh_tokens/revoke': {
        const upn = stringField(body, 'user');
        if (!this.directory.findUser(upn)) {
          throw new ControlError(400, `Unknown user "${upn}".`);
        }
        sendJson(response, 200, { revoked: this.refreshTokens.revokeAll(upn) });
        return;
      }
      case '/_test/config': {
        const lifetime = body.accessTokenLifetimeSeconds;
        if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) {
          throw new ControlError(400, 'accessTokenLifetimeSeconds must be a positive number of seconds.');
        }
        this.settings.accessTokenLifetimeSeconds = lifetime;
        sendJson(response, 200, { accessTokenLifetimeSeconds: lifetime });
        return;
      }
      default:
        throw new ControlError(404, `Unknown control endpoint ${path}.`);
    }
  }
}

function requireMethod(actual: string, expected: string): void {
  if (actual !== expected) {
    throw new ControlError(405, `Use ${expected} for this endpoint (got ${actual}).`);
  }
}

function requiredParameter(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) {
    throw missingParameter(name);
  }
  return value;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function basicCredentials(request: IncomingMessage): { clientId: string; clientSecret: string } | undefined {
  const authorization = headerValue(request, 'authorization');
  if (!authorization?.toLowerCase().startsWith('basic ')) {
    return undefined;
  }
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function secretsEqual(presented: string, expected: string): boolean {
  // Compare digests so the comparison takes the same time whatever the lengths.
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function uuidFromHash(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new ControlError(413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(request));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(request);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ControlError(400, 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ControlError(400, 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || !value.trim()) {
    throw new ControlError(400, `The JSON body needs a non-empty string field "${name}".`);
  }
  return value;
}

function sendJson(response: ServerResponse, status: number, body: unknown, noStore = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...(noStore || status >= 400 ? { 'Cache-Control': 'no-store', Pragma: 'no-cache' } : {}),
    'x-ms-request-id': randomUUID(),
  });
  response.end(text);
}

/** A native app's loopback listener: http(s) on localhost or 127.0.0.1, any port, no fragment. */
function isLoopbackRedirectUri(uri: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    (parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1') &&
    !parsed.hash &&
    !parsed.username &&
    !parsed.password
  );
}

function sendHtml(response: ServerResponse, status: number, html: string, contentSecurityPolicy = DEVICE_LOGIN_CSP): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  response.end(html);
}
