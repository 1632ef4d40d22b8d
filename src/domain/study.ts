import type { Direction } from './direction.js';

/** A study as storage returns it. */
export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  /** The space file's JSON the study was created with. */
  readonly space: unknown;
  readonly objective: string;
  readonly direction: Direction;
  readonly createdAt: string;
}

/** The splits a study reads, in the order that they are checked. */
export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** One split's file as a study read it. */
export interface DataFile {
  /** Absolute, so that a resume from another folder reads the same file. */
  readonly path: string;
  readonly size: number;
  /** sha256 of the file's bytes, in hex. */
  readonly sha256: string;
}

/** The files a study ran on, by split: what later commands read, and how they prove it unchanged. */
export type DataRecord = Readonly<Record<Split, DataFile>>;
