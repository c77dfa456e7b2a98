import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TraceSpool } from '../../../src/traces/trace-spool';
import { startTestApp, type TestApp } from '../../helpers/test-app';

/**
 * Durability beyond kill -9 (TRACE_SPOOL_FSYNC): with `batch` (the default) a generation is
 * acknowledged only after an fdatasync covering its trace (group commit: concurrent ones share one);
 * `always` syncs each append; `off` never syncs (survives kill -9, not a power loss).
 */
describe('trace spool fsync', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-fsync-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Holds every fdatasync until the test lets it go. */
  function holdSyncs() {
    const held: Array<() => void> = [];
    const original = fs.fdatasync;
    const spy = jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      held.push(() => original(fd, cb));
    }) as typeof fs.fdatasync);
    return { held, spy, release: () => held.splice(0).forEach((go) => go()) };
  }

  it('batch: synced() waits for one fdatasync covering every record appended before it; appends during it wait for the next one', async () => {
    const { held, spy, release } = holdSyncs();
    const spool = new TraceSpool({ dir: root, fsync: 'batch' });
    const done: number[] = [];
    // Ten completions appended, then each waits to be acknowledged.
    for (let i = 0; i < 10; i++) spool.append({ i }, new Date());
    const waits = Array.from({ length: 10 }, (_, i) => spool.synced().then(() => done.push(i)));
    await new Promise((r) => setImmediate(r));
    expect(spy).toHaveBeenCalledTimes(1); // one group for the ten
    expect(done).toEqual([]);
    // A record appended while that fdatasync runs is not covered by it.
    spool.append({ i: 10 }, new Date());
    const late = spool.synced().then(() => done.push(10));
    release();
    await Promise.all(waits);
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    while (!held.length) await new Promise((r) => setImmediate(r));
    expect(spy).toHaveBeenCalledTimes(2);
    release();
    await late;
    expect(done).toContain(10);
    await expect(spool.synced()).resolves.toBeUndefined(); // nothing new: at once
    expect(spy).toHaveBeenCalledTimes(2);
    spool.close(true);
  });

  it('always syncs inside append(); off never syncs', async () => {
    const syncs = jest.spyOn(fs, 'fdatasyncSync');
    const async = jest.spyOn(fs, 'fdatasync');
    const always = new TraceSpool({ dir: path.join(root, 'a'), fsync: 'always' });
    for (let i = 0; i < 3; i++) always.append({ i }, new Date());
    expect(syncs).toHaveBeenCalledTimes(3);
    await always.synced();
    always.close(true);
    syncs.mockClear();
    const off = new TraceSpool({ dir: path.join(root, 'o'), fsync: 'off' });
    for (let i = 0; i < 3; i++) off.append({ i }, new Date());
    await off.synced();
    off.close(false);
    expect(syncs).not.toHaveBeenCalled();
    expect(async).not.toHaveBeenCalled();
  });

  describe('through the server', () => {
    let t: TestApp;
    afterEach(() => t?.close());

    it('batch (the default): generateOnce answers only after the fdatasync that covers its trace', async () => {
      t = await startTestApp({ TRACE_SPOOL_DIR: root });
      expect(t.app.config.traceSpoolFsync).toBe('batch');
      await t.gql('mutation { createPrompt(input: { name: "fs" }) { id } }');
      await t.gql('mutation { createPromptVersion(input: { prompt: "fs", system: "Be brief." }) { number } }');
      await t.gql('mutation { promotePromptVersion(input: { prompt: "fs", version: 1, label: "production" }) { promoted } }');
      const { held, release } = holdSyncs();
      const order: string[] = [];
      const answer = t.gql('mutation { generateOnce(input: { prompt: "fs", input: "Hi\\n#reply: ok" }) { status traceId } }').then((r) => {
        order.push('answered');
        return r;
      });
      while (!held.length) await new Promise((r) => setTimeout(r, 5));
      // The trace is spooled and its fdatasync is pending: no answer yet.
      await new Promise((r) => setTimeout(r, 100));
      order.push('synced');
      release();
      const r = await answer;
      expect(r.data?.generateOnce.status).toBe('COMPLETED');
      expect(order).toEqual(['synced', 'answered']);
    });
  });
});
