// How a response body is read before it is parsed: the Content-Encoding undone the same way for every status
// (real endpoints and the proxies in front of them compress error bodies too), the decompressed size bounded (a
// few MB of gzip can inflate to gigabytes), and error bodies that are not Kusto JSON (a gateway's HTML page, text
// that is not UTF-8) turned into a short, honest description instead of raw bytes.

import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';

/** Decoded bytes of an error body that are kept; the rest is read and dropped. */
export const MAX_ERROR_BODY_BYTES = 1 << 20;
/** Default of setting kusto.query.maxResponseMegabytes: well above Kusto's own 64 MB result limit. */
export const DEFAULT_MAX_RESPONSE_MEGABYTES = 512;

/** The body's Content-Encoding is not one the client can undo. */
export class UnsupportedEncodingError extends Error {
  constructor(readonly encoding: string) {
    super(`unsupported content encoding "${encoding}"`);
  }
}

/** The decompressed body grew past the cap; thrown by the stream that counts it. */
export class ResponseTooLargeError extends Error {
  readonly code = 'ResponseTooLarge';
  constructor(readonly limitBytes: number) {
    super(`the response is larger than ${limitBytes} bytes after decompression`);
  }
}

/** Normalised Content-Encoding ('' for none); several codings ("gzip, identity") are not supported. */
export function contentEncoding(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  const codings = text
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '' && part !== 'identity');
  return codings.join(', ');
}

// 64 KB pieces (zlib's default is 16 KB): fewer chunks to hand through the stream, and each one large enough for
// the rows' byte log to keep as it is instead of copying it.
const INFLATE_OPTIONS = { chunkSize: 64 * 1024 };

/**
 * The body as decoded bytes, never more than `maxBytes` of them: a stream that fails with ResponseTooLargeError
 * once the decoded size passes the cap. Throws UnsupportedEncodingError for an encoding it cannot undo.
 */
export function decodedBody(body: Readable, encoding: string, maxBytes: number): AsyncIterable<Buffer> & Readable {
  let decoder: Transform | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    decoder = zlib.createGunzip(INFLATE_OPTIONS);
  } else if (encoding === 'deflate') {
    decoder = zlib.createInflate(INFLATE_OPTIONS);
  } else if (encoding === 'br') {
    decoder = zlib.createBrotliDecompress(INFLATE_OPTIONS);
  } else if (encoding !== '') {
    throw new UnsupportedEncodingError(encoding);
  }
  const cap = new ByteCap(maxBytes);
  return (decoder ? pipeline(body, decoder, cap, () => undefined) : pipeline(body, cap, () => undefined)) as AsyncIterable<Buffer> & Readable;
}

class ByteCap extends Transform {
  private seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(new ResponseTooLargeError(this.maxBytes));
      return;
    }
    callback(null, chunk);
  }
}

export interface ErrorBodyText {
  /** The body as text (the first MAX_ERROR_BODY_BYTES decoded bytes). */
  readonly text: string;
  /** The bytes were not valid UTF-8: `text` has U+FFFD where they were. */
  readonly invalidUtf8: boolean;
  /** Why the body could not be read (decompression failed, the connection broke), when it could not. */
  readonly unreadable?: string;
}

/**
 * Reads an error body: decoded like any other, at most MAX_ERROR_BODY_BYTES kept, invalid UTF-8 noticed rather
 * than replaced silently. Never throws for a broken body: the status alone still says what happened.
 */
export async function readErrorBodyText(body: Readable, encodingHeader: string | string[] | undefined): Promise<ErrorBodyText> {
  const encoding = contentEncoding(encodingHeader);
  const chunks: Buffer[] = [];
  let kept = 0;
  let cut = false;
  let unreadable: string | undefined;
  let source: AsyncIterable<Buffer>;
  try {
    // The cap here only guards memory; what is kept is cut at MAX_ERROR_BODY_BYTES below.
    source = decodedBody(body, encoding, Number.MAX_SAFE_INTEGER);
  } catch (error) {
    body.resume();
    return { text: '', invalidUtf8: false, unreadable: error instanceof Error ? error.message : String(error) };
  }
  try {
    for await (const chunk of source) {
      if (kept + chunk.length > MAX_ERROR_BODY_BYTES) {
        cut = true;
      }
      if (kept < MAX_ERROR_BODY_BYTES) {
        const piece = chunk.subarray(0, MAX_ERROR_BODY_BYTES - kept);
        chunks.push(piece);
        kept += piece.length;
      }
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    unreadable = typeof code === 'string' && code.startsWith('Z_') ? `its ${encoding} encoding could not be undone (${code})` : 'the connection broke while it was read';
  }
  const bytes = Buffer.concat(chunks);
  let text: string;
  let invalidUtf8 = false;
  try {
    // A body cut at the cap may end inside a character: streaming mode lets that last one be incomplete.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
    invalidUtf8 = true;
  }
  return { text, invalidUtf8, ...(unreadable ? { unreadable } : {}) };
}

const HTML_START = /^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<title[\s>]|<h1[\s>]|<center[\s>])/i;

/** Whether an error body is an HTML page (a gateway's or proxy's), by its Content-Type or its first tag. */
export function isHtmlBody(text: string, contentType: string | string[] | undefined): boolean {
  const type = (Array.isArray(contentType) ? contentType.join(',') : (contentType ?? '')).toLowerCase();
  return type.includes('text/html') || type.includes('application/xhtml') || HTML_START.test(text);
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', copy: '©' };

/** The readable words of an HTML page (title first), without tags, scripts or styles, cut to `maxChars`. */
export function htmlTextExtract(html: string, maxChars = 200): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const bodyHtml = html
    .replace(/<head[\s\S]*?<\/head>/gi, ' ')
    .replace(/<(script|style|noscript|template)[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ');
  const plain = (fragment: string): string =>
    fragment
      .replace(/<[^>]*>/g, ' ')
      .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
        if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16) || 0x20);
        if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10) || 0x20);
        return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
      })
      .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
      .trim();
  const titleText = title ? plain(title) : '';
  let text = plain(bodyHtml);
  if (titleText && text.startsWith(titleText)) {
    text = text.slice(titleText.length).trim();
  }
  const joined = [titleText, text].filter(Boolean).join(' — ');
  return joined.length > maxChars ? `${joined.slice(0, maxChars - 1).trimEnd()}…` : joined;
}

/** A short, printable extract of a text body that is not Kusto JSON (control characters removed). */
export function plainTextExtract(text: string, maxChars = 300): string {
  const cleaned = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > maxChars ? `${cleaned.slice(0, maxChars - 1).trimEnd()}…` : cleaned;
}
