/*
 * What an adversarial pass found in the exports and `tune predict`, each now refused in one
 * line or reported as the system's fault, with nothing changed that tune did not write.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTinyData, tinySpace, writeSpace } from '../helpers/tiny-study.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

/** The one stderr line of a refusal: `tune: <file>: <where>: <what>`. */
function oneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, pattern);
}

describe('exports and predict refuse what would leave the folder, lie or corrupt', () => {
  let dir: string;

  before(() => {
    dir = tempDir();
    writeTinyData(dir);
    const run = tune(['run', writeSpace(dir, tinySpace(dir, { max_trials: 3, epochs: 2 })), '--no-tui'], dir);
    assert.equal(run.code, 0, run.stderr);
  });

  it('a .h5 export onto a full disk ends with exit 1 naming it, and the earlier export stays byte for byte', () => {
    const disk = join(dir, 'disk');
    mkdirSync(disk);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk], { encoding: 'utf8' });
    assert.equal(mount.status, 0, `this test needs root to mount a tmpfs: ${mount.stderr}`);
    try {
      const first = tune(['best', '--export', 'disk/model.h5'], dir);
      assert.equal(first.code, 0, first.stderr);
      const before = readFileSync(join(disk, 'model.h5'));
      // Leaves less room than one more export takes.
      const room = spawnSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).stdout.trim().split('\n')[1]!.trim();
      writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, Number(room) - 4096)));
      const full = tune(['best', '--export', 'disk/model.h5'], dir);
      assert.equal(full.code, 1, full.stdout + full.stderr);
      oneLine(full.stderr, /^tune: disk\/model\.h5: .*(disk full|ENOSPC)/);
      assert.deepEqual(readFileSync(join(disk, 'model.h5')), before);
      assert.deepEqual(listing(disk), ['filler', 'model.h5'], 'no temporary file left');
    } finally {
      spawnSync('umount', [disk]);
    }
  });

  it('--top K refuses a member folder that is a link out of DIR/, and predict refuses an ensemble that reads through one', () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    mkdirSync(join(dir, 'e1'));
    const ranked = JSON.parse(tune(['best', '--top', '2', '--json'], dir).stdout) as { top: { trial: number }[] };
    const first = ranked.top[0]!.trial;
    symlinkSync(outside, join(dir, 'e1', `trial-${first}`));
    const linked = tune(['best', '--top', '2', '--export', 'e1/'], dir);
    assert.equal(linked.code, 2, linked.stderr);
    oneLine(linked.stderr, new RegExp(`^tune: e1/trial-${first}: file: is a symbolic link`));
    assert.deepEqual(listing(outside), []);
    assert.deepEqual(listing(join(dir, 'e1')), [`trial-${first}`], 'nothing else written');

    const good = tune(['best', '--top', '2', '--export', 'e2/'], dir);
    assert.equal(good.code, 0, good.stderr);
    spawnSync('mv', [join(dir, 'e2', `trial-${first}`), join(outside, 'moved')]);
    symlinkSync(join(outside, 'moved'), join(dir, 'e2', `trial-${first}`));
    const predict = tune(['predict', 'x.png', '--model', 'e2/ensemble.json'], dir);
    assert.equal(predict.code, 2, predict.stderr);
    oneLine(predict.stderr, /^tune: e2\/ensemble\.json: members\[\d\]\.model: must not go through a symbolic link/);
  });

  it('--top K onto a file, or under /proc, and --export of a folder or another format, are bad input', () => {
    writeFileSync(join(dir, 'plain'), 'mine');
    const cases: [string[], RegExp][] = [
      [['--top', '2', '--export', 'plain/'], /^tune: plain: file: is not a folder/],
      [['--export', 'model.keras'], /^tune: command line: --export: writes FILE\.json .* got model\.keras$/],
      [['--export', 'somewhere/'], /^tune: command line: --export: names a folder/],
    ];
    for (const [args, pattern] of cases) {
      const r = tune(['best', ...args], dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      oneLine(r.stderr, pattern);
    }
    assert.equal(readFileSync(join(dir, 'plain'), 'utf8'), 'mine');
    // Node 20's recursive mkdir never returns there; the export must end, and not as a success.
    const proc = spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/main.js'), 'best', '--top', '1', '--export', '/proc/'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(proc.signal, null, 'it ended on its own');
    assert.notEqual(proc.status, 0, proc.stdout);
    oneLine(proc.stderr, /^tune: \/proc\/trial-\d+\/model\.json: file: cannot be written/);
  });

  it('predict names a Keras .h5 for what it is', () => {
    const h5 = tune(['best', '--export', 'k.h5'], dir);
    assert.equal(h5.code, 0, h5.stderr);
    const r = tune(['predict', 'x.png', '--model', 'k.h5'], dir);
    assert.equal(r.code, 2, r.stderr);
    oneLine(r.stderr, /^tune: k\.h5: file: is an HDF5 file \(a Keras \.h5 model\)/);
  });

  it('best --data refuses splits of more classes than the classifier tells apart, in one line', () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeTinyData(other, { maxLabel: 2, classNames: ['cat', 'dog', 'eel'] });
    const third = tune(['best', '--data', other], dir);
    assert.equal(third.code, 2, third.stderr);
    oneLine(third.stderr, /\/train\.hdf5: \/class_names: are \[cat, dog, eel\], but the study's classifier tells 2 classes apart/);
  });

  after(() => spawnSync('umount', [join(dir, 'disk')]));
});
