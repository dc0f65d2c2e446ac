import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StorageDriver } from '@wharf/registry-core';
import { describeStorageDriver } from './driver-suite.js';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { RegulatedDriver } from './regulated.driver.js';

// The regulated filesystem driver is what storage.filesystem.maxthreads gives: it keeps the contract.
describeStorageDriver('FilesystemDriver regulated to 2 calls (maxthreads)', async () => {
  const sandbox = await mkdtemp(join(tmpdir(), 'wharf-fs-regulated-'));
  return {
    driver: new RegulatedDriver(new FilesystemDriver(join(sandbox, 'root')), 2),
    another: () => new RegulatedDriver(new FilesystemDriver(join(sandbox, 'root')), 2),
    cleanup: () => rm(sandbox, { recursive: true, force: true }),
  };
});

test('no more than the limit of calls are in progress at once, and every call completes', async () => {
  const inner = new InMemoryDriver();
  let inProgress = 0;
  let most = 0;
  const counting: StorageDriver = Object.create(inner) as StorageDriver;
  counting.putContent = async (path, content) => {
    inProgress++;
    most = Math.max(most, inProgress);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await inner.putContent(path, content);
    inProgress--;
  };
  const regulated = new RegulatedDriver(counting, 3);
  await Promise.all(Array.from({ length: 20 }, (_, i) => regulated.putContent(`/f/${i}`, 'x')));
  assert.equal(most, 3);
  assert.equal((await inner.list('/f')).length, 20);
});
