import { readFileSync } from 'node:fs';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { ConfigError, type StorageMiddlewareConfig } from '@wharf/config';
import type { FileInfo, FileWriter, RedirectOptions, StorageDriver } from '@wharf/registry-core';
import { S3Driver } from './s3.driver.js';

type Redirect = (path: string, options: RedirectOptions) => Promise<string | undefined>;

/**
 * registry:2's storage middleware: each entry changes where blob redirects point, in order,
 * and nothing else (every other call goes to the driver). Files a middleware needs (the
 * CloudFront key) are read here, at start-up, so a wrong path stops the start naming the key.
 */
export function withStorageMiddleware(driver: StorageDriver, middleware: readonly StorageMiddlewareConfig[]): StorageDriver {
  if (middleware.length === 0) return driver;
  let redirect: Redirect | undefined = driver.redirectURL?.bind(driver);
  middleware.forEach((entry, i) => {
    redirect = layer(entry, `middleware.storage[${i}]`, driver, redirect);
  });
  return new RedirectingDriver(driver, redirect);
}

function layer(entry: StorageMiddlewareConfig, where: string, driver: StorageDriver, inner: Redirect | undefined): Redirect {
  switch (entry.name) {
    case 'cloudfront': {
      // CloudFront serves the bucket's keys, so the URL needs the object key, which only the s3 driver knows.
      if (!(driver instanceof S3Driver)) {
        throw new ConfigError([{ path: where, message: `the cloudfront middleware needs the s3 or oss storage driver, not ${driver.name}` }]);
      }
      let privateKey: string;
      try {
        privateKey = readFileSync(entry.privateKey, 'utf8');
      } catch (err) {
        throw new ConfigError([{ path: `${where}.options.privatekey`, message: `cannot read the key file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
      }
      return async (path) =>
        getSignedUrl({
          url: `${entry.baseUrl}${driver.bucketKey(path)}`,
          keyPairId: entry.keyPairId,
          privateKey,
          dateLessThan: new Date(Date.now() + entry.durationMs).toISOString(),
        });
    }
    case 'redirect': {
      const base = new URL(entry.baseUrl);
      return async (path) => `${base.protocol}//${base.host}${path}`;
    }
    case 'rewrite':
      return async (path, options) => {
        const signed = await inner?.(path, options);
        if (signed === undefined) return undefined;
        const url = new URL(signed);
        if (entry.scheme) url.protocol = `${entry.scheme}:`;
        if (entry.host) {
          // as Go's url.Host: the whole host[:port] is replaced, so a host without a port drops the old one
          url.host = entry.host;
          if (!/:\d+$/.test(entry.host)) url.port = '';
        }
        if (entry.trimPathPrefix && url.pathname.startsWith(entry.trimPathPrefix)) url.pathname = url.pathname.slice(entry.trimPathPrefix.length);
        return url.toString();
      };
  }
}

/** The driver with its redirects replaced. */
class RedirectingDriver implements StorageDriver {
  readonly name: string;
  readonly redirectURL?: Redirect;

  constructor(
    private readonly driver: StorageDriver,
    redirect: Redirect | undefined,
  ) {
    this.name = driver.name;
    if (redirect) this.redirectURL = redirect;
    if (driver.purgePendingWrites) this.purgePendingWrites = driver.purgePendingWrites.bind(driver);
    if (driver.close) this.close = driver.close.bind(driver);
  }

  readonly purgePendingWrites?: (path: string, startedBefore: Date) => Promise<string[]>;
  readonly close?: () => Promise<void>;

  getContent(path: string): Promise<Buffer> {
    return this.driver.getContent(path);
  }
  putContent(path: string, content: Buffer | string): Promise<void> {
    return this.driver.putContent(path, content);
  }
  reader(path: string, offset?: number, end?: number) {
    return this.driver.reader(path, offset, end);
  }
  writer(path: string, append: boolean): Promise<FileWriter> {
    return this.driver.writer(path, append);
  }
  stat(path: string): Promise<FileInfo> {
    return this.driver.stat(path);
  }
  list(path: string): Promise<string[]> {
    return this.driver.list(path);
  }
  walk(path: string): AsyncIterable<FileInfo> {
    return this.driver.walk(path);
  }
  move(source: string, dest: string): Promise<void> {
    return this.driver.move(source, dest);
  }
  delete(path: string): Promise<void> {
    return this.driver.delete(path);
  }
}
