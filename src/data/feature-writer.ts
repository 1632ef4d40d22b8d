import { accessSync, constants, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, reason } from '../errors.js';
import { abandonWritten, closeWritten, openForWrite, type H5Dataset, type H5File } from './h5.js';
import { META_ATTRS, type FeatureMeta } from './feature-meta.js';

/** Rows per HDF5 chunk: the seed writes and reads its features in buffers of 32 rows. */
export const CHUNK_ROWS = 32;
/** gzip level of the `data` chunks; 4 keeps writing fast and still shrinks sparse features well. */
export const DEFAULT_GZIP_LEVEL = 4;

export interface FeatureWriterOptions {
  rows: number;
  labels: ArrayLike<number>;
  paths: string[];
  meta: FeatureMeta;
  gzipLevel?: number;
}

/**
 * Writes a feature file in the seed's layout, batch by batch, to a temporary name beside the
 * output; `commit` renames it into place, `abort` removes it. Nothing half-written is ever
 * left under the output's name. Used by `tune extract`.
 */
export class FeatureWriter {
  private file: H5File | undefined;
  private dataset: H5Dataset | undefined;
  private dim = 0;
  private readonly tmpPath: string;

  private constructor(
    readonly outPath: string,
    private readonly options: FeatureWriterOptions,
  ) {
    this.tmpPath = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.tmp`);
  }

  /** Checks that `outPath` can be written and opens the temporary file. Throws InputError. */
  static async create(outPath: string, options: FeatureWriterOptions): Promise<FeatureWriter> {
    checkWritable(outPath);
    const writer = new FeatureWriter(outPath, options);
    try {
      writer.file = await openForWrite(writer.tmpPath);
    } catch (err) {
      rmSync(writer.tmpPath, { force: true });
      throw new InputError(outPath, 'file', `cannot be written (${reason(err)})`);
    }
    return writer;
  }

  /** Writes rows [offset, offset + n) where features holds n x dim values. */
  writeRows(offset: number, features: Float32Array, dim: number): void {
    const file = this.file;
    if (!file) throw new Error('FeatureWriter used after commit or abort');
    if (!this.dataset) {
      this.dim = dim;
      const level = this.options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
      this.dataset = file.create_dataset({
        name: 'data',
        data: new Float32Array(0),
        shape: [0, dim],
        maxshape: [this.options.rows, dim],
        chunks: [Math.min(CHUNK_ROWS, this.options.rows), dim],
        ...(level > 0 ? { compression: 'gzip' as const, compression_opts: level } : {}),
      });
      this.dataset.resize([this.options.rows, dim]);
    }
    if (dim !== this.dim) throw new Error(`feature width changed from ${this.dim} to ${dim}`);
    const n = features.length / dim;
    this.dataset.write_slice(
      [
        [offset, offset + n],
        [0, dim],
      ],
      features,
    );
  }

  /** Writes labels, paths and metadata, closes, and renames into place. */
  commit(): void {
    const file = this.file;
    if (!file || !this.dataset) throw new Error('FeatureWriter.commit before any rows were written');
    const { labels, paths, meta } = this.options;
    file.create_dataset({ name: 'labels', data: BigInt64Array.from(Array.from(labels, (v) => BigInt(v))) });
    file.create_dataset({ name: 'paths', data: paths });
    writeMeta(file, meta);
    this.file = undefined;
    closeWritten(file, this.outPath);
    renameSync(this.tmpPath, this.outPath);
  }

  /** Closes and deletes the temporary file; safe to call at any time, and more than once. */
  abort(): void {
    try {
      if (this.file) abandonWritten(this.file);
    } catch {
      // The file is being thrown away; a failed close changes nothing.
    }
    this.file = undefined;
    rmSync(this.tmpPath, { force: true });
  }
}

function checkWritable(outPath: string): void {
  const dir = dirname(outPath);
  if (!existsSync(dir)) throw new InputError(outPath, 'file', `cannot be written: folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new InputError(outPath, 'file', `cannot be written: ${dir} is not a folder`);
  if (existsSync(outPath) && statSync(outPath).isDirectory()) {
    throw new InputError(outPath, 'file', 'cannot be written: it is a folder');
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(outPath, 'file', `cannot be written: folder ${dir} is not writable`);
  }
}

function writeMeta(file: H5File, meta: FeatureMeta): void {
  if (meta.classNames) file.create_attribute(META_ATTRS.classNames, meta.classNames);
  for (const key of ['base', 'layer', 'preprocessing', 'pooling'] as const) {
    const v = meta[key];
    if (v !== undefined) file.create_attribute(META_ATTRS[key], v);
  }
  if (meta.inputSize !== undefined) file.create_attribute(META_ATTRS.inputSize, meta.inputSize, null, '<i');
  if (meta.seed !== undefined) file.create_attribute(META_ATTRS.seed, meta.seed, null, '<q');
  if (meta.featureShape) file.create_attribute(META_ATTRS.featureShape, meta.featureShape, null, '<i');
}
