import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Database } from '../../src/storage/postgres/database.js';
import { dropTestDatabases, freshDatabase } from '../helpers/postgres.js';

after(dropTestDatabases);

describe('PostgresStorage: transactions', () => {
  it('runs again a transaction that PostgreSQL aborts as a deadlock, so that both writers succeed', async () => {
    const url = await freshDatabase();
    const db = new Database(url, url);
    try {
      await db.single.run(`CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL); INSERT INTO t VALUES (1, 0), (2, 0)`);
      let locked = 0;
      let bothLocked!: () => void;
      const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
      const runs: string[] = [];
      // Each locks one row, waits until the other holds the other row, then wants that one too.
      const writer = (name: string, first: number, second: number) =>
        db.transaction(async (q) => {
          runs.push(name);
          await q.run(`UPDATE t SET v = v + 1 WHERE id = $1`, [first]);
          if (++locked === 2) bothLocked();
          await barrier;
          await q.run(`UPDATE t SET v = v + 1 WHERE id = $1`, [second]);
          return name;
        });
      assert.deepEqual(await Promise.all([writer('a', 1, 2), writer('b', 2, 1)]), ['a', 'b']);
      assert.equal(runs.length, 3, `one of them ran twice: ${runs.join(', ')}`);
      assert.deepEqual(await db.single.rows(`SELECT id, v FROM t ORDER BY id`), [
        { id: 1, v: 2 },
        { id: 2, v: 2 },
      ]);
    } finally {
      await db.end();
    }
  });

  it('rolls back and throws any other error at once, without running the transaction again', async () => {
    const url = await freshDatabase();
    const db = new Database(url, url);
    try {
      await db.single.run(`CREATE TABLE t (id integer PRIMARY KEY)`);
      let runs = 0;
      await assert.rejects(
        db.transaction(async (q) => {
          runs++;
          await q.run(`INSERT INTO t VALUES (1)`);
          await q.run(`INSERT INTO t VALUES (1)`);
        }),
        /duplicate key/,
      );
      assert.equal(runs, 1);
      assert.deepEqual(await db.single.rows(`SELECT id FROM t`), [], 'the first insert was rolled back');
    } finally {
      await db.end();
    }
  });
});
