// Longs beyond 2^53: JSON.parse rounds an integer literal a double cannot hold, so rows that may hold one are
// checked after parsing and, when one was rounded, parsed again with such literals quoted to keep their digits.

import { QUOTE } from './jsonBytes';

/** 2^53 has 16 digits: shorter integer literals are always exact as JS numbers. */
const unsafeIntegerPattern = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** Whether parsed rows hold a number beyond ±(2^53 - 1): an integer literal JSON.parse may have rounded. */
export function holdsUnsafeInteger(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let index = 0; index < current.length; index++) {
        const item: unknown = current[index];
        if (typeof item === 'number') {
          if (item > Number.MAX_SAFE_INTEGER || item < -Number.MAX_SAFE_INTEGER) {
            return true;
          }
        } else if (item !== null && typeof item === 'object') {
          stack.push(item);
        }
      }
    } else if (current !== null && typeof current === 'object') {
      for (const key in current as Record<string, unknown>) {
        const item = (current as Record<string, unknown>)[key];
        if (typeof item === 'number') {
          if (item > Number.MAX_SAFE_INTEGER || item < -Number.MAX_SAFE_INTEGER) {
            return true;
          }
        } else if (item !== null && typeof item === 'object') {
          stack.push(item);
        }
      }
    }
  }
  return false;
}

/** Puts quotes around integer literals that a JS number cannot hold exactly, so JSON.parse keeps their digits. */
export function quoteUnsafeIntegers(json: string): string {
  return json.replace(unsafeIntegerPattern, (token) => {
    if (token.charCodeAt(0) === QUOTE) {
      return token;
    }
    return isUnsafeIntegerLiteral(token) ? `"${token}"` : token;
  });
}

/** Whether an integer literal is one a JS number cannot hold exactly (it is then kept as its digits). */
export function isUnsafeIntegerLiteral(literal: string): boolean {
  return !Number.isSafeInteger(Number(literal));
}
