import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { writeImageTree } from '../helpers/images.js';
import { ROOT, TUNE, tempDir } from '../helpers/tune.js';

/** A tmux server of this test's own, so that it never touches a user's sessions. */
const SOCKET = `tune-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

describe('tune extract on a real terminal (tmux)', () => {
  after(() => spawnSync('tmux', ['-L', SOCKET, 'kill-server']));

  it('draws one progress bar in place, with images/s and ETA, then the summary', async () => {
    const d = tempDir();
    const model = await writeNsfwjsMobileNetV2(join(d, 'model'));
    await writeImageTree(join(d, 'im'), { a: 6, b: 6 });
    const command =
      `cd ${ROOT} && ${process.execPath} ${TUNE} extract ${join(d, 'im')} ${join(d, 'o.hdf5')} ` +
      `--base ${model} --layer out_relu --size 64 --batch 2; echo EXIT=$?; sleep 60`;
    tmux('new-session', '-d', '-s', 'extract', '-x', '160', '-y', '20', command);
    let screen = '';
    for (let i = 0; i < 120 && !/EXIT=\d+/.test(screen); i++) {
      await sleep(250);
      screen = tmux('capture-pane', '-p', '-t', 'extract');
    }
    assert.match(screen, /EXIT=0/, screen);
    const bars = screen.split('\n').filter((line) => line.startsWith('extract ['));
    assert.equal(bars.length, 1, `one bar redrawn in place, got:\n${screen}`);
    assert.match(bars[0]!, /^extract \[#{30}\] 12\/12 images {2}[\d.]+ images\/s {2}ETA 0:00$/);
    assert.match(screen, /^wrote .*o\.hdf5: 12 rows x 5120 features/m);
  });
});
