// Raw HTTP calls to a Kusto(-compatible) server for tests: exact status, headers and bytes, no client library
// in between (so tests see the wire format itself). Loopback only.

import * as http from 'node:http';
import { IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** Set when the connection broke before the body ended. */
  readonly error?: Error;
}

export interface RawRequestOptions {
  readonly method?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export function rawRequest(baseUrl: string, path: string, body: unknown, options: RawRequestOptions = {}): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  if (url.hostname !== '127.0.0.1') {
    throw new Error(`Tests only talk to 127.0.0.1, not ${url.hostname}.`);
  }
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
  }
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? (payload === undefined ? 'GET' : 'POST'), headers }, (response) => {
      const chunks: Buffer[] = [];
      const finish = (error?: Error) => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: buffer, text: buffer.toString('utf8'), error });
      };
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish());
      response.on('error', (error) => finish(error));
      response.on('aborted', () => finish(new Error('aborted')));
    });
    request.on('error', reject);
    if (payload !== undefined) {
      request.write(payload);
    }
    request.end();
  });
}

export function queryV2(baseUrl: string, token: string, db: string, csl: string, properties?: unknown): Promise<RawResponse> {
  return rawRequest(baseUrl, '/v2/rest/query', { db, csl, properties }, { token });
}

export function queryV1(baseUrl: string, token: string, db: string, csl: string, properties?: unknown): Promise<RawResponse> {
  return rawRequest(baseUrl, '/v1/rest/query', { db, csl, properties }, { token });
}

export function management(baseUrl: string, token: string, db: string | undefined, csl: string): Promise<RawResponse> {
  return rawRequest(baseUrl, '/v1/rest/mgmt', { db, csl }, { token });
}

export interface V2Frame {
  FrameType: string;
  TableId?: number;
  TableKind?: string;
  TableName?: string;
  Columns?: Array<{ ColumnName: string; ColumnType: string }>;
  Rows?: unknown[];
  [key: string]: unknown;
}

export function parseFrames(response: RawResponse): V2Frame[] {
  if (response.status !== 200) {
    throw new Error(`Expected 200 but got ${response.status}: ${response.text.slice(0, 500)}`);
  }
  return JSON.parse(response.text) as V2Frame[];
}

export function primaryTables(frames: readonly V2Frame[]): V2Frame[] {
  return frames.filter((f) => f.FrameType === 'DataTable' && f.TableKind === 'PrimaryResult');
}
