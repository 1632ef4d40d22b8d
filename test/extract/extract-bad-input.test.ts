import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { writeNsfwjsMobileNetV2 } from '../../scripts/nsfwjs-model.js';
import { writeImageTree } from '../helpers/images.js';
import { listing, tempDir, tune } from '../helpers/tune.js';

interface Case {
  name: string;
  /** Prepares the case in its own folder `d` and returns the arguments after `extract`. */
  setup: (d: string) => Promise<string[]> | string[];
  stderr: RegExp;
  env?: NodeJS.ProcessEnv;
}

describe('tune extract on bad input', () => {
  let shared: string;
  let model: string;
  let goodImages: string;

  before(async () => {
    shared = tempDir();
    model = await writeNsfwjsMobileNetV2(join(shared, 'model'));
    goodImages = join(shared, 'images');
    await writeImageTree(goodImages, { a: 2, b: 2 });
  });

  const tfjs = (): string[] => ['--base', model, '--layer', 'out_relu', '--size', '32'];
  const cases: Case[] = [
    { name: 'a missing folder', setup: (d) => [join(d, 'nope'), join(d, 'o.hdf5'), ...tfjs()], stderr: /nope: folder: does not exist$/ },
    {
      name: 'an empty folder',
      setup: (d) => (mkdirSync(join(d, 'empty')), [join(d, 'empty'), join(d, 'o.hdf5'), ...tfjs()]),
      stderr: /empty: folder: is empty; expected one folder per class$/,
    },
    {
      name: 'a file that is not an image',
      setup: async (d) => {
        await writeImageTree(join(d, 'im'), { a: 1, b: 1 });
        writeFileSync(join(d, 'im', 'b', 'notes.txt'), 'hello');
        return [join(d, 'im'), join(d, 'o.hdf5'), ...tfjs()];
      },
      stderr: /notes\.txt: file: is not an image \(extension "\.txt"; expected \.jpg, \.jpeg, \.png, \.webp\)$/,
    },
    {
      name: 'an unreadable image',
      setup: async (d) => {
        await writeImageTree(join(d, 'im'), { a: 3, b: 3 });
        writeFileSync(join(d, 'im', 'b', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
        return [join(d, 'im'), join(d, 'o.hdf5'), ...tfjs(), '--batch', '2'];
      },
      stderr: /broken\.png: image: cannot be decoded \(.+\)$/,
    },
    {
      name: 'a class folder with no images',
      setup: async (d) => {
        await writeImageTree(join(d, 'im'), { a: 1 });
        mkdirSync(join(d, 'im', 'b'));
        return [join(d, 'im'), join(d, 'o.hdf5'), ...tfjs()];
      },
      stderr: /im\/b: class folder: has no images$/,
    },
    {
      name: 'a weights file that is not HDF5',
      setup: (d) => (writeFileSync(join(d, 'w.h5'), 'not hdf5 at all'), [goodImages, join(d, 'o.hdf5'), '--weights', join(d, 'w.h5'), '--size', '32']),
      stderr: /w\.h5: file: is not a readable HDF5 file/,
    },
    {
      name: 'vgg19 without a weights file',
      setup: (d) => [goodImages, join(d, 'o.hdf5')],
      env: { ...process.env, KERAS_HOME: '/nonexistent-keras-home' },
      stderr: /^tune: command line: --weights: is required with --base vgg19/,
    },
    {
      name: 'a model with no layer of that name',
      setup: (d) => [goodImages, join(d, 'o.hdf5'), '--base', model, '--layer', 'block_99', '--size', '32'],
      stderr: /model\.json: layer "block_99": no such layer \(the model has \d+, ending with .*out_relu/,
    },
    {
      name: 'a model.json that is not JSON',
      setup: (d) => (writeFileSync(join(d, 'm.json'), '{ nope'), [goodImages, join(d, 'o.hdf5'), '--base', join(d, 'm.json')]),
      stderr: /m\.json: file: is not JSON \(/,
    },
    {
      name: 'a --base that is neither vgg19, a model.json nor an ONNX model',
      setup: (d) => [goodImages, join(d, 'o.hdf5'), '--base', 'resnet'],
      stderr: /^tune: command line: --base: must be vgg19, a path to a tfjs model\.json or to an ONNX model \(\.onnx\), got "resnet"$/,
    },
    {
      name: 'an output path in a folder that does not exist',
      setup: (d) => [goodImages, join(d, 'no', 'such', 'o.hdf5'), ...tfjs()],
      stderr: /o\.hdf5: file: cannot be written: folder .* does not exist$/,
    },
    {
      name: 'an output that is a folder',
      setup: (d) => (mkdirSync(join(d, 'o.hdf5')), [goodImages, join(d, 'o.hdf5'), ...tfjs(), '--overwrite']),
      stderr: /o\.hdf5: file: cannot be written: it is a folder$/,
    },
    {
      name: 'an existing output without --overwrite',
      setup: (d) => (writeFileSync(join(d, 'o.hdf5'), 'precious'), [goodImages, join(d, 'o.hdf5'), ...tfjs()]),
      stderr: /o\.hdf5: file: already exists; pass --overwrite to replace it$/,
    },
    {
      name: 'a size VGG19 cannot take',
      setup: (d) => [goodImages, join(d, 'o.hdf5'), '--weights', join(d, 'w.h5'), '--size', '16'],
      stderr: /^tune: command line: --size: VGG19 needs at least 32 pixels, got 16$/,
    },
    { name: 'a bad --pool', setup: (d) => [goodImages, join(d, 'o.hdf5'), '--pool', 'median'], stderr: /--pool: must be one of none, avg, max, got "median"$/ },
  ];

  for (const c of cases) {
    it(`${c.name}: one line, exit 2, nothing written`, async () => {
      const d = tempDir();
      const args = await c.setup(d);
      const before = listing(d);
      const contents = before.map((name) => safeRead(join(d, name)));
      const run = tune(['extract', ...args], undefined, c.env);
      assert.equal(run.code, 2, `exit ${run.code}; stderr: ${run.stderr}`);
      const lines = run.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `expected one line on stderr, got: ${run.stderr}`);
      assert.match(lines[0]!, /^tune: /);
      assert.match(lines[0]!, c.stderr);
      assert.equal(run.stdout, '');
      assert.deepEqual(listing(d), before, 'no file may be added or left half-written');
      assert.deepEqual(
        before.map((name) => safeRead(join(d, name))),
        contents,
        'existing files stay untouched',
      );
    });
  }
});

describe('tune extract on an image that breaks mid-run', () => {
  it('stops with the error as its last line, exit 2, and removes the partial file', async () => {
    const d = tempDir();
    const model = await writeNsfwjsMobileNetV2(join(d, 'model'));
    await writeImageTree(join(d, 'im'), { a: 6, b: 6 }, { formats: ['jpg'], size: 64 });
    const victim = join(d, 'im', 'b', 'b-5.jpg');
    const bytes = readFileSync(victim);
    // The header survives, so the up-front check passes; the pixels end early.
    writeFileSync(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const before = listing(d);
    const run = tune(['extract', join(d, 'im'), join(d, 'o.hdf5'), '--base', model, '--layer', 'out_relu', '--size', '32', '--batch', '1', '--workers', '2']);
    assert.equal(run.code, 2, run.stderr);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.match(lines.at(-1)!, /^tune: .*b-5\.jpg: image: cannot be decoded \(.+\)$/);
    assert.equal(lines.filter((l) => l.startsWith('tune: ')).length, 1);
    assert.deepEqual(listing(d), before);
  });
});

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '<folder>';
  }
}
