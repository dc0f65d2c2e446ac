/**
 * Upload purging (registry:2's storage.maintenance.uploadpurging) over the inmemory driver:
 * which abandoned uploads go, which stay, and that the schedule runs and stops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paths, UploadPurger, type UploadPurgeReport } from '@wharf/registry-core';
import { InMemoryDriver } from '@wharf/storage-drivers';

const HOUR = 3_600_000;
const AGE = 168 * HOUR;
const OLD_ID = '11111111-1111-4111-8111-111111111111';
const FRESH_ID = '22222222-2222-4222-8222-222222222222';
const MONOLITHIC_ID = '33333333-3333-4333-8333-333333333333';

async function upload(driver: InMemoryDriver, name: string, id: string, startedAt?: string): Promise<void> {
  if (startedAt !== undefined) await driver.putContent(paths.uploadStartedAt(name, id), startedAt);
  await driver.putContent(paths.uploadData(name, id), 'partial bytes');
}

async function exists(driver: InMemoryDriver, path: string): Promise<boolean> {
  return driver.stat(path).then(() => true, () => false);
}

describe('upload purger', () => {
  it('removes uploads started longer ago than the age and keeps fresh ones', async () => {
    const driver = new InMemoryDriver();
    const now = Date.now();
    // registry:2 writes RFC 3339 without fractions; Wharf writes toISOString(): both must read
    await upload(driver, 'team/app', OLD_ID, '2020-01-01T10:00:00+02:00');
    await upload(driver, 'team/app', FRESH_ID, new Date(now - HOUR).toISOString());
    // a repository with an upload and no manifest yet is still found
    await upload(driver, 'other', OLD_ID, new Date(now - AGE - HOUR).toISOString());

    const report = await new UploadPurger(driver, { ageMs: AGE, dryRun: false }).purgeOnce();

    assert.equal(report.scanned, 3);
    assert.deepEqual(report.purged.map((u) => `${u.repository}/${u.id}`).sort(), [`other/${OLD_ID}`, `team/app/${OLD_ID}`]);
    assert.equal(await exists(driver, paths.uploadDir('team/app', OLD_ID)), false);
    assert.equal(await exists(driver, paths.uploadDir('other', OLD_ID)), false);
    assert.equal(await exists(driver, paths.uploadData('team/app', FRESH_ID)), true);
  });

  it('with idleMs (limits.uploadexpiry), also removes a young upload that received nothing for that long', async () => {
    const driver = new InMemoryDriver();
    await upload(driver, 'app', FRESH_ID, new Date().toISOString());
    const twoHoursLater = () => Date.now() + 2 * HOUR;
    const patient = await new UploadPurger(driver, { ageMs: AGE, dryRun: false, idleMs: 3 * HOUR, now: twoHoursLater }).purgeOnce();
    assert.deepEqual(patient.purged, []);
    const strict = await new UploadPurger(driver, { ageMs: AGE, dryRun: false, idleMs: HOUR, now: twoHoursLater }).purgeOnce();
    assert.deepEqual(strict.purged.map((u) => u.id), [FRESH_ID]);
    assert.equal(await exists(driver, paths.uploadDir('app', FRESH_ID)), false);
  });

  it('dates an upload without startedat by its data file, and keeps one it cannot date', async () => {
    const driver = new InMemoryDriver();
    await upload(driver, 'app', MONOLITHIC_ID);
    await driver.putContent(paths.uploadStartedAt('app', FRESH_ID), 'not a date');
    // a folder under _uploads that is not an upload id is not the purger's to remove
    await driver.putContent(`${paths.uploads('app')}/notes/readme`, 'keep');

    const today = await new UploadPurger(driver, { ageMs: AGE, dryRun: false }).purgeOnce();
    assert.deepEqual(today.purged, []);

    const nextMonth = () => Date.now() + 30 * 24 * HOUR;
    const later = await new UploadPurger(driver, { ageMs: AGE, dryRun: false, now: nextMonth }).purgeOnce();
    assert.deepEqual(later.purged.map((u) => u.id), [MONOLITHIC_ID]);
    assert.deepEqual(later.undated, [`app/${FRESH_ID}`]);
    assert.equal(await exists(driver, paths.uploadDir('app', MONOLITHIC_ID)), false);
    assert.equal(await exists(driver, paths.uploadStartedAt('app', FRESH_ID)), true);
    assert.equal(await exists(driver, `${paths.uploads('app')}/notes/readme`), true);
  });

  it('deletes nothing in a dry run but reports what it would delete', async () => {
    const driver = new InMemoryDriver();
    await upload(driver, 'app', OLD_ID, '2001-02-03T04:05:06Z');

    const report = await new UploadPurger(driver, { ageMs: AGE, dryRun: true }).purgeOnce();

    assert.equal(report.dryRun, true);
    assert.deepEqual(report.purged.map((u) => u.id), [OLD_ID]);
    assert.equal(report.purged[0]!.startedAt.toISOString(), '2001-02-03T04:05:06.000Z');
    assert.equal(await exists(driver, paths.uploadData('app', OLD_ID)), true);
  });

  it('runs on its schedule until stopped', async () => {
    const driver = new InMemoryDriver();
    await upload(driver, 'app', OLD_ID, '2001-02-03T04:05:06Z');
    const reports: UploadPurgeReport[] = [];
    let ran!: () => void;
    const twoRuns = new Promise<void>((resolve) => (ran = resolve));
    const purger = new UploadPurger(driver, {
      ageMs: AGE,
      dryRun: false,
      onRun: (report) => {
        reports.push(report);
        if (reports.length === 2) ran();
      },
      onError: (err) => assert.fail(String(err)),
    });

    // the purger's timer is unref'd (it must not keep a stopping registry alive): hold the loop open here
    const keepAlive = setInterval(() => undefined, 1_000);
    try {
      purger.start(20, 0);
      await twoRuns;
      await purger.stop();
      const runs = reports.length;
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(reports.length, runs, 'no run after stop()');
    } finally {
      clearInterval(keepAlive);
    }

    assert.equal(reports[0]!.purged.length, 1);
    assert.equal(reports[1]!.purged.length, 0);
    assert.equal(await exists(driver, paths.uploadDir('app', OLD_ID)), false);
  });
});
