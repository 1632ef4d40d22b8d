/**
 * Issue 11, "Writing" and the model loaders: `tune best --export` writes only files it creates
 * and removes only weights files it can prove it wrote; `tune predict` and the base loaders
 * never read outside the model's folder and refuse tampered sizes, each in one line, exit 2.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { tempDir } from '../helpers/tune.js';
import { type Case, runCases } from './harness.js';
import { IMAGE, copyStudy, exportedBins, tamper, writeFilesStudy } from './files-study.js';

let template: string | undefined;
let made: Promise<void> | undefined;
/** The finished study, made once, by the first case that needs it. */
async function study(dir: string): Promise<void> {
  if (!made) {
    template = tempDir('tune-adv-files-');
    made = writeFilesStudy(template);
  }
  await made;
  copyStudy(template!, dir);
}
after(() => {
  if (template) rmSync(template, { recursive: true, force: true });
});

const notRoot = (): string | undefined => (process.getuid?.() === 0 ? undefined : 'mknod needs root');
const predict = (model = 'out/model.json'): string[] => ['predict', IMAGE, '--model', model];
const features = (dir: string, edit: (f: Record<string, unknown>) => void): void => {
  tamper(join(dir, 'out', 'model.json'), (j) => edit(j.userDefinedMetadata!.tune!.features!));
};

const exportCases: Case[] = [
  {
    name: '--export "" is refused in one line',
    from: '11.7',
    quick: true,
    setup: study,
    args: ['best', '--export', ''],
    exit: 2,
    stderr: /^tune: command line: --export: .*empty/,
  },
  {
    name: 'a model.json that tune did not write, listing notes.txt, thesis.pdf and .., is left alone with everything it lists',
    from: '11.2',
    quick: true,
    async setup(dir) {
      await study(dir);
      writeFileSync(join(dir, 'out', 'notes.txt'), 'my notes\n');
      writeFileSync(join(dir, 'out', 'thesis.pdf'), '%PDF-1.4 my thesis\n');
      writeFileSync(
        join(dir, 'out', 'model.json'),
        JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['notes.txt', 'thesis.pdf', '..'], weights: [] }] }),
      );
    },
    args: ['best', '--export', 'out/model.json'],
    exit: 2,
    stderr: /^tune: out\/model\.json: file: .*not .*tune/,
    databases: ['trials.db'],
  },
  {
    name: "an export of tune's whose manifest was edited to list other files removes none of them",
    from: '11.2',
    async setup(dir) {
      await study(dir);
      const [bin] = exportedBins(dir);
      writeFileSync(join(dir, 'out', 'notes.txt'), 'my notes\n');
      writeFileSync(join(dir, 'out', 'thesis.pdf'), '%PDF-1.4 my thesis\n');
      // Named as tune names weights, but its bytes are not the ones its name's digest says.
      writeFileSync(join(dir, 'out', 'model.0badc0de.weights.bin'), "a file of the user's");
      const original = readFileSync(join(dir, 'out', 'model.json'), 'utf8');
      tamper(
        join(dir, 'out', 'model.json'),
        (j) => (j.weightsManifest[0]!.paths = ['notes.txt', 'thesis.pdf', '..', '../outside/secret.txt', 'model.0badc0de.weights.bin', bin!]),
      );
      return original;
    },
    args: ['best', '--export', 'out/model.json'],
    exit: 0,
    changes: ['out/model.json'],
    databases: ['trials.db'],
    check(dir, _outcome, original) {
      assert.equal(readFileSync(join(dir, 'out', 'model.json'), 'utf8'), original);
    },
  },
  {
    name: 'exporting onto a directory is refused before any file is written',
    from: '11.7',
    async setup(dir) {
      await study(dir);
      rmSync(join(dir, 'out'), { recursive: true });
      mkdirSync(join(dir, 'out', 'model.json'), { recursive: true });
    },
    args: ['best', '--export', 'out/model.json'],
    exit: 2,
    stderr: /^tune: out\/model\.json: file: is a directory/,
  },
  {
    name: 'exporting onto a character device of the folder is refused and the device stays',
    from: '11.2',
    unavailable: notRoot,
    async setup(dir) {
      await study(dir);
      execFileSync('mknod', [join(dir, 'out', 'null'), 'c', '1', '3']);
    },
    args: ['best', '--export', 'out/null'],
    exit: 2,
    stderr: /^tune: out\/null: file: is a character device/,
    check(dir) {
      assert.ok(lstatSync(join(dir, 'out', 'null')).isCharacterDevice());
    },
  },
  {
    // Run only on a fixed tune: an unfixed one, as root, replaces the machine's /dev/null.
    name: 'exporting onto /dev/null is refused and /dev/null stays a character device',
    from: '11.2',
    setup: study,
    args: ['best', '--export', '/dev/null'],
    exit: 2,
    stderr: /^tune: \/dev\/null: file: is a character device/,
    check() {
      assert.ok(statSync('/dev/null').isCharacterDevice());
    },
  },
  {
    name: 'a model.json that is a symbolic link is refused, and neither the link nor its target changes',
    from: '11.new',
    async setup(dir) {
      await study(dir);
      renameSync(join(dir, 'out', 'model.json'), join(dir, 'outside', 'victim.json'));
      symlinkSync('../outside/victim.json', join(dir, 'out', 'model.json'));
    },
    args: ['best', '--export', 'out/model.json'],
    exit: 2,
    stderr: /^tune: out\/model\.json: file: is a symbolic link/,
  },
  {
    name: 'a symbolic link where the weights file goes is refused, and its target outside is not written',
    from: '11.new',
    async setup(dir) {
      await study(dir);
      const [bin] = exportedBins(dir);
      rmSync(join(dir, 'out', bin!));
      symlinkSync('../outside/secret.txt', join(dir, 'out', bin!));
    },
    args: ['best', '--export', 'out/model.json'],
    exit: 2,
    stderr: /^tune: out\/model\.[0-9a-f]{8}\.weights\.bin: file: is a symbolic link/,
  },
];

const loaderCases: Case[] = [
  {
    name: 'predict refuses a manifest path into ../outside, and reads nothing there',
    from: '11.3',
    quick: true,
    async setup(dir) {
      await study(dir);
      const [bin] = exportedBins(dir);
      // The secret holds exactly the weights, so that only the path rule can refuse it.
      renameSync(join(dir, 'out', bin!), join(dir, 'outside', 'secret.bin'));
      tamper(join(dir, 'out', 'model.json'), (j) => (j.weightsManifest[0]!.paths = ['../outside/secret.bin']));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: weightsManifest\[0\]\.paths\[0\]: leaves the model's folder, got "\.\.\/outside\/secret\.bin"$/,
  },
  {
    name: 'predict refuses ../../../../etc/passwd as a weights path',
    from: '11.3',
    async setup(dir) {
      await study(dir);
      tamper(join(dir, 'out', 'model.json'), (j) => (j.weightsManifest[0]!.paths = ['../../../../etc/passwd']));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: weightsManifest\[0\]\.paths\[0\]: leaves the model's folder, got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"$/,
  },
  {
    name: 'predict refuses an absolute weights path',
    from: '11.3',
    async setup(dir) {
      await study(dir);
      tamper(join(dir, 'out', 'model.json'), (j) => (j.weightsManifest[0]!.paths = ['/etc/passwd']));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: weightsManifest\[0\]\.paths\[0\]: leaves the model's folder, got "\/etc\/passwd"$/,
  },
  {
    name: 'predict refuses a weights file that is a symbolic link out of the folder',
    from: '11.new',
    async setup(dir) {
      await study(dir);
      const [bin] = exportedBins(dir);
      // The weights themselves, moved out: only the link rule can refuse them.
      renameSync(join(dir, 'out', bin!), join(dir, 'outside', 'secret.bin'));
      symlinkSync('../outside/secret.bin', join(dir, 'out', bin!));
    },
    args: predict(),
    exit: 2,
    stderr:
      /^tune: out\/model\.json: weightsManifest\[0\]\.paths\[0\]: leaves the model's folder through a symbolic link, got "model\.[0-9a-f]{8}\.weights\.bin"$/,
  },
  {
    name: "predict refuses weights files longer than the manifest's shapes need",
    from: '11.3',
    async setup(dir) {
      await study(dir);
      const [bin] = exportedBins(dir);
      const size = statSync(join(dir, 'out', bin!)).size;
      appendFileSync(join(dir, 'out', bin!), Buffer.alloc(40));
      return size;
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: weightsManifest: the weights' shapes take \d+ bytes, but the files hold \d+/,
    changes: [/^out\/model\.[0-9a-f]{8}\.weights\.bin$/],
    check(_dir, outcome, size) {
      assert.match(outcome.stderr, new RegExp(`take ${size} bytes, but the files hold ${(size as number) + 40}`));
    },
  },
  {
    name: 'predict refuses a weights file that is a FIFO instead of blocking on it',
    from: '11.new',
    timeoutMs: 20_000,
    async setup(dir) {
      await study(dir);
      execFileSync('mkfifo', [join(dir, 'out', 'pipe.bin')]);
      tamper(join(dir, 'out', 'model.json'), (j) => (j.weightsManifest[0]!.paths = ['pipe.bin']));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: weightsManifest\[0\]\.paths\[0\]: is not a regular file \(a FIFO\), got "pipe\.bin"$/,
  },
  {
    name: 'predict refuses a model.json that is a FIFO instead of blocking on it',
    from: '11.new',
    timeoutMs: 20_000,
    async setup(dir) {
      await study(dir);
      execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    },
    args: predict('pipe.json'),
    exit: 2,
    stderr: /^tune: pipe\.json: file: is not a regular file/,
  },
  {
    name: 'predict refuses a tampered inputSize of 100000 in one line',
    from: '11.3',
    async setup(dir) {
      await study(dir);
      features(dir, (f) => (f['inputSize'] = 100000));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: userDefinedMetadata\.tune\.features\.inputSize: .*got 100000$/,
  },
  {
    name: 'predict blames the model.json, not the image, for an inputSize of 0',
    from: '11.new',
    async setup(dir) {
      await study(dir);
      features(dir, (f) => (f['inputSize'] = 0));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: userDefinedMetadata\.tune\.features\.inputSize: .*got 0$/,
  },
  {
    name: 'predict refuses an unknown pooling instead of answering with another one',
    from: '11.new',
    async setup(dir) {
      await study(dir);
      features(dir, (f) => (f['pooling'] = 'evil'));
    },
    args: predict(),
    exit: 2,
    stderr: /^tune: out\/model\.json: userDefinedMetadata\.tune\.features\.pooling: .*got "evil"$/,
  },
  {
    name: 'extract refuses a base whose manifest leaves its folder, and writes no features',
    from: '11.3',
    async setup(dir) {
      await study(dir);
      mkdirSync(join(dir, 'evil'));
      writeFileSync(join(dir, 'outside', 'weights.bin'), readFileSync(join(dir, 'graph', 'weights.bin')));
      const json = JSON.parse(readFileSync(join(dir, 'graph', 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
      json.weightsManifest[0]!.paths = ['../outside/weights.bin'];
      writeFileSync(join(dir, 'evil', 'model.json'), JSON.stringify(json));
    },
    args: ['extract', 'images/test', 'x.hdf5', '--base', 'evil/model.json', '--layer', 'pool', '--size', '8', '--pool', 'avg', '--workers', '1'],
    exit: 2,
    stderr: /^tune: evil\/model\.json: weightsManifest\[0\]\.paths\[0\]: leaves the model's folder, got "\.\.\/outside\/weights\.bin"$/,
  },
];

runCases('files tune writes and reads', [...exportCases, ...loaderCases]);
