// The hot loop of the response scanner, in AssemblyScript compiled to WebAssembly: it checks the bytes of a
// Kusto "Rows" array against the JSON grammar (what JSON.parse accepts, so a row read later cannot fail) and
// notes where each element of the array starts and ends. jsonFrameScanner.ts copies each piece of the body into
// this module's memory, calls scan() and reads the element bounds back. The same loop in plain TypeScript ran at
// 4-5 ns a byte on this project's CI machine kind; this one at ~1.2-1.6 ns, string content 16 bytes at a time,
// and compiled when the module loads, so even a session's first response is not scanned by an interpreter (V8's
// baseline WebAssembly code runs it at ~2.8 ns a byte until the optimized code takes over).
//
// Built by scripts/buildWasm.mjs into rowsScannerModule.ts; test/unit/rowsScannerModule.test.ts checks that the
// committed module is what this source compiles to.

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const OPEN_BRACKET: u8 = 0x5b;
const CLOSE_BRACKET: u8 = 0x5d;
const OPEN_BRACE: u8 = 0x7b;
const CLOSE_BRACE: u8 = 0x7d;
const COMMA: u8 = 0x2c;
const COLON: u8 = 0x3a;
const MINUS: u8 = 0x2d;
const PLUS: u8 = 0x2b;
const DOT: u8 = 0x2e;
const DIGIT_0: u8 = 0x30;
const DIGIT_9: u8 = 0x39;
const LOWER_E: u8 = 0x65;
const UPPER_E: u8 = 0x45;
const LOWER_T: u8 = 0x74;
const LOWER_F: u8 = 0x66;
const LOWER_N: u8 = 0x6e;
const LOWER_U: u8 = 0x75;

// Token states of the rows' JSON check.
const S_VALUE = 0; // a value must come (after ',' in an array, or ':')
const S_VALUE_OR_CLOSE = 1; // just after '[': a value or ']'
const S_AFTER_VALUE = 2; // ',' or the end of the enclosing array or object
const S_KEY_OR_CLOSE = 3; // just after '{': a key or '}'
const S_KEY = 4; // after ',' in an object
const S_COLON = 5;
const S_STRING = 6;
const S_ESCAPE = 7;
const S_UNICODE = 8;
const S_LITERAL = 9;
const S_NUMBER_MINUS = 10; // '-': a digit must follow
const S_NUMBER_ZERO = 11; // a leading 0: '.', 'e' or the end
const S_NUMBER_INT = 12;
const S_NUMBER_DOT = 13; // '.': a digit must follow
const S_NUMBER_FRACTION = 14;
const S_NUMBER_E = 15; // 'e': a sign or a digit must follow
const S_NUMBER_E_SIGN = 16; // a digit must follow
const S_NUMBER_EXPONENT = 17;

// What scan() returns.
const STOP_END_OF_INPUT = 0;
const STOP_ROWS_END = 1;
const STOP_ERROR = 2;

// Why scan() stopped with STOP_ERROR (ROWS_ERROR in rowsScanner.ts); scanErrorMessages.ts turns each into a
// message naming the byte.
const E_CONTROL_CHARACTER = 1;
const E_AFTER_ROW = 2;
const E_AFTER_VALUE = 3; // detail: the open container ('[' or '{')
const E_ROW_NOT_ARRAY = 4;
const E_VALUE_AFTER_COMMA = 5;
const E_VALUE = 6;
const E_NUMBER = 7;
const E_COLON = 8;
const E_KEY = 9;
const E_LITERAL = 10; // detail: literal index * 8 + position of the expected byte
const E_ESCAPE = 11;
const E_HEX = 12;
const E_TOO_DEEP = 13;

/** Integer literals of 16 digits or more may be beyond 2^53: the table is told so it keeps their digits. */
const MIN_UNSAFE_DIGITS = 16;
/** How deep arrays and objects may nest inside the Rows array (one byte of stack each). */
const MAX_DEPTH: i32 = 1 << 16;

// Memory: [heap base: container stack][input][output]. The stack holds one byte per open array or object.
const stackBase: usize = __heap_base;
let inputBase: usize = 0;
let outputBase: usize = 0;
let inputCapacity: i32 = 0;

// State kept from one piece of input to the next.
let state: i32 = S_VALUE_OR_CLOSE;
let depth: i32 = 0;
let stringIsKey: bool = false;
let hexDigitsLeft: i32 = 0;
let literalIndex: i32 = 0; // 0 true, 1 false, 2 null
let literalPosition: i32 = 0;
let integerDigits: i32 = 0;
let elementStart: f64 = 0;
let unsafeIntegers: bool = false;

// What the last scan() found.
let elementsFound: i32 = 0;
let stopIndex: i32 = 0;
let errorCode: i32 = 0;
let errorDetail: i32 = 0;

/** Makes room for pieces of up to `capacity` bytes and returns where to copy them. */
export function reserveInput(capacity: i32): usize {
  if (capacity > inputCapacity) {
    inputBase = stackBase + <usize>MAX_DEPTH;
    // Each element is at least 2 bytes ("[]") plus a separator: capacity / 2 + 1 elements of two f64 at most.
    outputBase = (inputBase + <usize>capacity + 15) & ~15;
    const end = outputBase + <usize>(capacity / 2 + 2) * 16;
    const pagesNeeded = <i32>((end + 0xffff) >> 16);
    const pagesNow = memory.size();
    if (pagesNeeded > pagesNow && memory.grow(pagesNeeded - pagesNow) < 0) {
      unreachable();
    }
    inputCapacity = capacity;
  }
  return inputBase;
}

export function outputAddress(): usize {
  return outputBase;
}

/** Starts a new Rows array: its '[' has been read. */
export function beginRows(): void {
  state = S_VALUE_OR_CLOSE;
  depth = 1;
  store<u8>(stackBase, OPEN_BRACKET);
  stringIsKey = false;
  integerDigits = 0;
  unsafeIntegers = false;
}

export function elementCount(): i32 {
  return elementsFound;
}
export function stoppedAt(): i32 {
  return stopIndex;
}
export function error(): i32 {
  return errorCode;
}
export function errorInfo(): i32 {
  return errorDetail;
}
export function mayHoldUnsafeIntegers(): bool {
  return unsafeIntegers;
}

function isDigit(byte: u32): bool {
  return byte - DIGIT_0 <= 9;
}

function isWhitespace(byte: u32): bool {
  return byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09;
}

function isHexDigit(byte: u32): bool {
  return byte - DIGIT_0 <= 9 || (byte | 0x20) - 0x61 <= 5;
}

function isEscapable(byte: u32): bool {
  return byte == QUOTE || byte == BACKSLASH || byte == 0x2f || byte == 0x62 || byte == 0x66 || byte == 0x6e || byte == 0x72 || byte == 0x74;
}

function literalByte(literal: i32, position: i32): u32 {
  // "true", "false", "null"
  if (literal == 0) return load<u8>(changetype<usize>(TRUE_BYTES) + <usize>position);
  if (literal == 1) return load<u8>(changetype<usize>(FALSE_BYTES) + <usize>position);
  return load<u8>(changetype<usize>(NULL_BYTES) + <usize>position);
}

function literalLength(literal: i32): i32 {
  return literal == 1 ? 5 : 4;
}

const TRUE_BYTES = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const FALSE_BYTES = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL_BYTES = memory.data<u8>([0x6e, 0x75, 0x6c, 0x6c]);

/** The index of the first byte from `index` on that ends plain string content ('"', '\\' or a control character), or `end`. */
function skipPlainStringBytes(index: usize, end: usize): usize {
  const quotes = i8x16.splat(<i8>QUOTE);
  const backslashes = i8x16.splat(<i8>BACKSLASH);
  const space = i8x16.splat(0x20);
  while (index + 16 <= end) {
    const bytes = v128.load(index);
    const stops = v128.or(v128.or(i8x16.eq(bytes, quotes), i8x16.eq(bytes, backslashes)), i8x16.lt_u(bytes, space));
    const mask = i8x16.bitmask(stops);
    if (mask != 0) {
      return index + <usize>ctz(mask);
    }
    index += 16;
  }
  while (index < end) {
    const byte = <u32>load<u8>(index);
    if (byte == QUOTE || byte == BACKSLASH || byte < 0x20) {
      return index;
    }
    index++;
  }
  return end;
}

function skipDigits(index: usize, end: usize): usize {
  while (index < end && isDigit(<u32>load<u8>(index))) {
    index++;
  }
  return index;
}

function fail(code: i32, at: usize, detail: i32): i32 {
  errorCode = code;
  errorDetail = detail;
  stopIndex = <i32>(at - inputBase);
  return STOP_ERROR;
}

/**
 * Scans input[0, length): `logBase` is where input[0] sits in the table's byte log. Writes each element of the
 * Rows array that ends here as two f64, its start and end in the log (the end negated for an object: an error
 * the server wrote in place of a row), and returns a STOP_ code; STOP_ROWS_END leaves the index of the array's
 * closing ']' in stoppedAt().
 */
export function scan(length: i32, logBase: f64): i32 {
  const end = inputBase + <usize>length;
  let index = inputBase;
  let output = outputBase;
  let current = state;
  elementsFound = 0;
  errorCode = 0;
  while (index < end) {
    let byte = <u32>load<u8>(index);
    if (current == S_STRING) {
      index = skipPlainStringBytes(index, end);
      if (index == end) break;
      byte = <u32>load<u8>(index);
      if (byte == QUOTE) {
        current = stringIsKey ? S_COLON : S_AFTER_VALUE;
      } else if (byte == BACKSLASH) {
        current = S_ESCAPE;
      } else {
        state = current;
        return fail(E_CONTROL_CHARACTER, index, 0);
      }
      index++;
      continue;
    }
    if (current == S_AFTER_VALUE) {
      if (byte == COMMA) {
        current = load<u8>(stackBase + <usize>(depth - 1)) == OPEN_BRACE ? S_KEY : S_VALUE;
        index++;
        continue;
      }
      if (isWhitespace(byte)) {
        index++;
        continue;
      }
      const container = <u32>load<u8>(stackBase + <usize>(depth - 1));
      if ((byte == CLOSE_BRACKET && container == OPEN_BRACKET) || (byte == CLOSE_BRACE && container == OPEN_BRACE)) {
        depth--;
        index++;
        if (depth == 1) {
          // An element of the Rows array ends: a row, or an error the server wrote in place of one.
          const elementEnd = logBase + <f64>(index - inputBase);
          store<f64>(output, elementStart);
          store<f64>(output, container == OPEN_BRACKET ? elementEnd : -elementEnd, 8);
          output += 16;
          elementsFound++;
        } else if (depth == 0) {
          state = current;
          stopIndex = <i32>(index - 1 - inputBase);
          return STOP_ROWS_END;
        }
        continue;
      }
      state = current;
      return depth == 1 ? fail(E_AFTER_ROW, index, 0) : fail(E_AFTER_VALUE, index, <i32>container);
    }
    if (current == S_VALUE || current == S_VALUE_OR_CLOSE) {
      if (isWhitespace(byte)) {
        index++;
        continue;
      }
      const atRowLevel = depth == 1;
      if (atRowLevel && byte != OPEN_BRACKET && byte != OPEN_BRACE && byte != CLOSE_BRACKET) {
        state = current;
        return fail(E_ROW_NOT_ARRAY, index, 0);
      }
      if (byte == QUOTE) {
        stringIsKey = false;
        current = S_STRING;
      } else if (byte == OPEN_BRACKET || byte == OPEN_BRACE) {
        if (atRowLevel) {
          elementStart = logBase + <f64>(index - inputBase);
        }
        if (depth == MAX_DEPTH) {
          state = current;
          return fail(E_TOO_DEEP, index, 0);
        }
        store<u8>(stackBase + <usize>depth, <u8>byte);
        depth++;
        current = byte == OPEN_BRACKET ? S_VALUE_OR_CLOSE : S_KEY_OR_CLOSE;
      } else if (byte > DIGIT_0 && byte <= DIGIT_9) {
        current = S_NUMBER_INT;
        integerDigits = 1;
      } else if (byte == MINUS) {
        current = S_NUMBER_MINUS;
        integerDigits = 0;
      } else if (byte == DIGIT_0) {
        current = S_NUMBER_ZERO;
      } else if (byte == LOWER_T || byte == LOWER_F || byte == LOWER_N) {
        literalIndex = byte == LOWER_T ? 0 : byte == LOWER_F ? 1 : 2;
        literalPosition = 1;
        current = S_LITERAL;
      } else if (byte == CLOSE_BRACKET) {
        if (current != S_VALUE_OR_CLOSE) {
          state = current;
          return fail(E_VALUE_AFTER_COMMA, index, 0);
        }
        // An empty array: the ']' is read again as what follows a value.
        current = S_AFTER_VALUE;
        continue;
      } else {
        state = current;
        return fail(E_VALUE, index, 0);
      }
      index++;
      continue;
    }
    if (current >= S_NUMBER_MINUS) {
      if (current == S_NUMBER_INT || current == S_NUMBER_FRACTION || current == S_NUMBER_EXPONENT) {
        const digitsFrom = index;
        index = skipDigits(index, end);
        if (current == S_NUMBER_INT) {
          integerDigits += <i32>(index - digitsFrom);
        }
        if (index == end) break;
        byte = <u32>load<u8>(index);
      }
      const next = numberTransition(current, byte);
      if (next >= 0) {
        if (next == S_NUMBER_INT) {
          integerDigits++;
        }
        current = next;
        index++;
        continue;
      }
      if (current != S_NUMBER_ZERO && current != S_NUMBER_INT && current != S_NUMBER_FRACTION && current != S_NUMBER_EXPONENT) {
        state = current;
        return fail(E_NUMBER, index, 0);
      }
      if (current == S_NUMBER_INT && integerDigits >= MIN_UNSAFE_DIGITS) {
        unsafeIntegers = true;
      }
      // The byte after a number is read again as what follows a value.
      current = S_AFTER_VALUE;
      continue;
    }
    if (current == S_KEY_OR_CLOSE && byte == CLOSE_BRACE) {
      // An empty object: the '}' is read again as what follows a value.
      current = S_AFTER_VALUE;
      continue;
    }
    if (current == S_COLON) {
      if (byte == COLON) {
        current = S_VALUE;
      } else if (!isWhitespace(byte)) {
        state = current;
        return fail(E_COLON, index, 0);
      }
      index++;
      continue;
    }
    if (current == S_KEY_OR_CLOSE || current == S_KEY) {
      if (byte == QUOTE) {
        stringIsKey = true;
        current = S_STRING;
      } else if (!isWhitespace(byte)) {
        state = current;
        return fail(E_KEY, index, 0);
      }
      index++;
      continue;
    }
    if (current == S_LITERAL) {
      if (byte != literalByte(literalIndex, literalPosition)) {
        state = current;
        return fail(E_LITERAL, index, literalIndex * 8 + literalPosition);
      }
      literalPosition++;
      if (literalPosition == literalLength(literalIndex)) {
        current = S_AFTER_VALUE;
      }
      index++;
      continue;
    }
    if (current == S_ESCAPE) {
      if (byte == LOWER_U) {
        hexDigitsLeft = 4;
        current = S_UNICODE;
      } else if (isEscapable(byte)) {
        current = S_STRING;
      } else {
        state = current;
        return fail(E_ESCAPE, index, 0);
      }
      index++;
      continue;
    }
    // S_UNICODE
    if (!isHexDigit(byte)) {
      state = current;
      return fail(E_HEX, index, 0);
    }
    hexDigitsLeft--;
    if (hexDigitsLeft == 0) {
      current = S_STRING;
    }
    index++;
  }
  state = current;
  return STOP_END_OF_INPUT;
}

/** The next state of a number for `byte`, or -1 when the byte does not continue the number. */
function numberTransition(current: i32, byte: u32): i32 {
  const digit = isDigit(byte);
  const exponent = byte == LOWER_E || byte == UPPER_E;
  switch (current) {
    case S_NUMBER_MINUS:
      return byte == DIGIT_0 ? S_NUMBER_ZERO : digit ? S_NUMBER_INT : -1;
    case S_NUMBER_ZERO:
      return byte == DOT ? S_NUMBER_DOT : exponent ? S_NUMBER_E : -1;
    case S_NUMBER_INT:
      return digit ? S_NUMBER_INT : byte == DOT ? S_NUMBER_DOT : exponent ? S_NUMBER_E : -1;
    case S_NUMBER_DOT:
      return digit ? S_NUMBER_FRACTION : -1;
    case S_NUMBER_FRACTION:
      return digit ? S_NUMBER_FRACTION : exponent ? S_NUMBER_E : -1;
    case S_NUMBER_E:
      return digit ? S_NUMBER_EXPONENT : byte == PLUS || byte == MINUS ? S_NUMBER_E_SIGN : -1;
    case S_NUMBER_E_SIGN:
    case S_NUMBER_EXPONENT:
      return digit ? S_NUMBER_EXPONENT : -1;
    default:
      return -1;
  }
}
