import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnGroups, packColumns, type GroupMember } from '../../src/engine/native/member-rows.js';
import { nativeKernels } from '../../src/engine/native/addon.js';

type Member = GroupMember & { col: number };
const member = (width: number, kind: GroupMember['kind'], hyper: [number, number, number] = [0.9, 0, 1e-7]): Member => ({ col: 0, width, kind, hyper });
const key = (ms: Member[]) => (i: number) => `${ms[i]!.kind}|${ms[i]!.hyper.join()}`;

describe('the packed first layer: columns and groups', () => {
  it('each run of one optimizer starts on a whole vector, and the width is whole vectors', () => {
    const ms = [member(37, 'rmsprop'), member(5, 'rmsprop'), member(12, 'adam', [0.9, 0.999, 1e-7]), member(3, 'sgd', [0, 0, 0])];
    const width = packColumns(ms, key(ms), 8);
    assert.deepEqual(
      ms.map((m) => m.col),
      [0, 37, 48, 64],
    );
    assert.equal(width, 72);
    const { groups } = columnGroups(ms, width);
    // rmsprop takes 0..48 (its padding 42..48 included), adam 48..64, sgd 64..72.
    assert.deepEqual([...groups], [0, 48, 1, 48, 64, 2, 64, 72, 0]);
  });

  it('a member that sits the batch out is a frozen group, and the groups still cover every column once', () => {
    const ms = [member(10, 'rmsprop'), member(6, 'rmsprop'), member(9, 'rmsprop')];
    const width = packColumns(ms, key(ms), 16);
    assert.deepEqual(
      ms.map((m) => m.col),
      [0, 10, 16],
    );
    assert.equal(width, 32);
    const { groups } = columnGroups(ms, width, new Set([ms[1]!]));
    assert.deepEqual([...groups], [0, 10, 1, 10, 16, 4, 16, 32, 1]);
  });

  it("the kernels report their vector's floats, a power of two", () => {
    const { kernels, why } = nativeKernels();
    assert.ok(kernels, `the native kernels are not built: ${why}`);
    assert.ok([4, 8, 16].includes(kernels.lanes), `lanes ${kernels.lanes}`);
  });
});
