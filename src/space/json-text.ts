import { InputError } from '../errors.js';

/** Arrays and objects nested deeper than this are refused: a space file needs about 4 levels. */
export const MAX_JSON_DEPTH = 64;

type Frame = { kind: 'object'; value: Record<string, unknown>; key: string } | { kind: 'array'; value: unknown[] };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const PLAIN_STRING = /"([^"\\\u0000-\u001f]*)"/y;
const WHITESPACE = /[ \t\n\r]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * Parses JSON text strictly, without recursion (any depth reads in constant stack), into
 * null-prototype objects, so that no key can reach Object.prototype. Where JSON.parse would
 * quietly keep the last of two equal keys, or turn 1e400 into Infinity (null once stored), it
 * refuses. Called by readSpaceFile. Throws InputError: a syntax error as `file: is not JSON
 * (line L, column C: ...)`; a duplicate key, a number out of range or too deep a nesting at its
 * JSON path with the line and column.
 */
export function parseJsonText(text: string, file: string): unknown {
  return new JsonText(text, file).parse();
}

class JsonText {
  private i = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    // A byte-order mark is how some editors start a UTF-8 file; it is no part of the JSON.
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  parse(): unknown {
    for (;;) {
      let value = this.scalarOrOpen();
      // A complete value: attach it to its container, and close containers while they end.
      for (;;) {
        const top = this.stack.at(-1);
        if (top === undefined) {
          this.skipWhitespace();
          if (this.i < this.text.length) this.syntax('expected the end of the text');
          return value;
        }
        if (top.kind === 'array') top.value.push(value);
        else top.value[top.key] = value;
        this.skipWhitespace();
        const c = this.text[this.i];
        if (c === ',') {
          this.i++;
          if (top.kind === 'object') this.key(top);
          break;
        }
        if (c !== (top.kind === 'array' ? ']' : '}')) this.syntax(`expected , or ${top.kind === 'array' ? ']' : '}'}`);
        this.i++;
        this.stack.pop();
        value = top.value;
      }
    }
  }

  /** Reads a scalar and returns it, or opens a container; loops until a complete value is in hand. */
  private scalarOrOpen(): unknown {
    for (;;) {
      this.skipWhitespace();
      const c = this.text[this.i];
      if (c === '{' || c === '[') {
        if (this.stack.length >= MAX_JSON_DEPTH) this.fail(this.here(), `nests deeper than ${MAX_JSON_DEPTH} arrays and objects`);
        this.i++;
        this.skipWhitespace();
        if (c === '[') {
          if (this.text[this.i] === ']') {
            this.i++;
            return [];
          }
          this.stack.push({ kind: 'array', value: [] });
          continue;
        }
        const frame: Frame = { kind: 'object', value: Object.create(null) as Record<string, unknown>, key: '' };
        if (this.text[this.i] === '}') {
          this.i++;
          return frame.value;
        }
        this.stack.push(frame);
        this.key(frame, true);
        continue;
      }
      if (c === '"') return this.string();
      if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
      for (const [word, value] of [
        ['true', true],
        ['false', false],
        ['null', null],
      ] as const) {
        if (this.text.startsWith(word, this.i)) {
          this.i += word.length;
          return value;
        }
      }
      return this.syntax('expected a value');
    }
  }

  private key(frame: Frame & { kind: 'object' }, first = false): void {
    this.skipWhitespace();
    if (this.text[this.i] !== '"') this.syntax(first ? 'expected a key or }' : 'expected a key');
    const at = this.i;
    const key = this.string();
    if (Object.hasOwn(frame.value, key)) {
      frame.key = key;
      this.fail(this.here(at), `repeats the key ${JSON.stringify(key)} of this object; each key may appear once`);
    }
    frame.key = key;
    this.skipWhitespace();
    if (this.text[this.i] !== ':') this.syntax('expected :');
    this.i++;
  }

  private string(): string {
    PLAIN_STRING.lastIndex = this.i;
    const plain = PLAIN_STRING.exec(this.text);
    if (plain) {
      this.i = PLAIN_STRING.lastIndex;
      return plain[1]!;
    }
    let out = '';
    this.i++;
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.syntax('a string does not end');
      if (c === '"') break;
      if (c < ' ') this.syntax('a control character in a string (write it as an escape)');
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.text[this.i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        this.i += 2;
      } else this.syntax('a bad escape in a string');
    }
    this.i++;
    return out;
  }

  private number(): number {
    const at = this.i;
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(this.text);
    if (!match) return this.syntax('expected a number');
    this.i = NUMBER.lastIndex;
    const literal = match[0];
    const value = Number(literal);
    // Infinity, or a non-zero literal that rounds to 0: the number written is not the one read.
    const mantissa = literal.split(/[eE]/)[0]!;
    if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa))) this.fail(this.here(at), `is a number out of range, got ${literal}`);
    return value;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.i;
    WHITESPACE.exec(this.text);
    this.i = WHITESPACE.lastIndex;
  }

  /** The JSON path of the value being read (as the validator names places), with line and column. */
  private here(at = this.i): string {
    let path = '';
    for (const frame of this.stack) path += frame.kind === 'array' ? `[${frame.value.length}]` : `${path === '' ? '' : '.'}${frame.key}`;
    return `${path === '' ? 'top level' : path} (${this.position(at)})`;
  }

  private position(at: number): string {
    let line = 1;
    let start = 0;
    for (let k = this.text.indexOf('\n'); k !== -1 && k < at; k = this.text.indexOf('\n', k + 1)) {
      line++;
      start = k + 1;
    }
    return `line ${line}, column ${at - start + 1}`;
  }

  private syntax(what: string): never {
    const c = this.text[this.i];
    const got = c === undefined ? 'the end of the text' : JSON.stringify(c);
    return this.fail('file', `is not JSON (${this.position(this.i)}: ${what}, got ${got})`);
  }

  private fail(where: string, what: string): never {
    throw new InputError(this.file, where, what);
  }
}
