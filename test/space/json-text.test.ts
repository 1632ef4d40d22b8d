import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { MAX_JSON_DEPTH, parseJsonText } from '../../src/space/json-text.js';
import { nameProblem } from '../../src/space/names.js';

function refusal(text: string): InputError {
  try {
    parseJsonText(text, 'f.json');
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err;
  }
  assert.fail(`accepted ${text}`);
}

describe('the strict JSON reader', () => {
  it('reads what JSON.parse reads, into objects without a prototype', () => {
    const texts = [
      '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9\\"\\\\/"], "b": {}, "c": []}',
      '  7 ',
      '"s"',
      '[[], [{}], {"k": [0]}]',
      '\ufeff{"bom": 1}',
    ];
    for (const text of texts) assert.equal(JSON.stringify(parseJsonText(text, 'f.json')), JSON.stringify(JSON.parse(text.replace(/^\ufeff/, ''))));
    const obj = parseJsonText('{"__proto__": {"x": 1}}', 'f.json') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), null);
    assert.deepEqual(Object.keys(obj), ['__proto__']);
  });

  it('refuses a duplicate key at its path, line and column', () => {
    const err = refusal('{\n  "a": [{"k": 1,\n   "k": 2}]\n}');
    assert.equal(err.where, 'a[0].k (line 3, column 4)');
    assert.match(err.what, /repeats the key "k"/);
  });

  it('refuses numbers that JSON.parse would read as Infinity or 0, quoting the literal', () => {
    assert.equal(refusal('{"x": -1e400}').what, 'is a number out of range, got -1e400');
    assert.equal(refusal('[1, 2.5e-400]').where, '[1] (line 1, column 5)');
    assert.deepEqual(parseJsonText('[0, 0.0, 0e5, -0]', 'f.json'), [0, 0, 0, -0]);
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} without overflowing the stack`, () => {
    assert.equal(refusal('['.repeat(1_000_000)).what, `nests deeper than ${MAX_JSON_DEPTH} arrays and objects`);
    assert.doesNotThrow(() => parseJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), 'f.json'));
  });

  it('refuses syntax errors as "is not JSON" with the line and column', () => {
    const cases: [string, RegExp][] = [
      ['{"name": "x",', /^is not JSON \(line 1, column 14: expected a key, got the end of the text\)$/],
      ['{"a": 1} x', /expected the end of the text, got "x"/],
      ['[1,]', /expected a value, got "]"/],
      ['{"a" 1}', /expected :, got "1"/],
      ['"tab\there"', /a control character in a string/],
      ['"\\x"', /a bad escape/],
      ['[01]', /expected , or \], got "1"/],
      ['NaN', /expected a value/],
    ];
    for (const [text, what] of cases) {
      const err = refusal(text);
      assert.equal(err.where, 'file', text);
      assert.match(err.what, what, text);
    }
  });
});

describe('the name rule', () => {
  it('accepts plain names and refuses empty, odd, too long and Object.prototype names', () => {
    for (const good of ['gender', 'units_0', '2024-run.v2', 'A', 'x'.repeat(128)]) assert.equal(nameProblem(good), undefined, good);
    for (const bad of ['', 'a\nb', 'a b', '-x', '.x', 'x'.repeat(129), 'é', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])
      assert.ok(nameProblem(bad), JSON.stringify(bad));
  });
});
