import { readFileSync } from 'node:fs';
import { ConfigError, type StorageMiddlewareConfig } from '@wharf/config';
import type { StorageDriver } from '@wharf/registry-core';
import { ProxyDriver, type Redirect } from './proxy.driver.js';

/**
 * registry:2's storage middleware: each entry changes where blob redirects point, in order,
 * and nothing else (every other call goes to the driver). `bucketKey` is the object key of a
 * path, for middleware that serves the bucket by key (cloudfront; only the s3 driver has one).
 * Files a middleware needs (the CloudFront key) are read here, at start-up, so a wrong path
 * stops the start naming the key.
 */
export function withStorageMiddleware(
  driver: StorageDriver,
  middleware: readonly StorageMiddlewareConfig[],
  bucketKey?: (path: string) => string,
): StorageDriver {
  if (middleware.length === 0) return driver;
  let redirect: Redirect | undefined = driver.redirectURL?.bind(driver);
  middleware.forEach((entry, i) => {
    redirect = layer(entry, `middleware.storage[${i}]`, driver, redirect, bucketKey);
  });
  return new ProxyDriver(driver.name, async () => driver, redirect);
}

function layer(
  entry: StorageMiddlewareConfig,
  where: string,
  driver: StorageDriver,
  inner: Redirect | undefined,
  bucketKey: ((path: string) => string) | undefined,
): Redirect {
  switch (entry.name) {
    case 'cloudfront': {
      if (!bucketKey) {
        throw new ConfigError([{ path: where, message: `the cloudfront middleware needs the s3 or oss storage driver, not ${driver.name}` }]);
      }
      let privateKey: string;
      try {
        privateKey = readFileSync(entry.privateKey, 'utf8');
      } catch (err) {
        throw new ConfigError([{ path: `${where}.options.privatekey`, message: `cannot read the key file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
      }
      return async (path) => {
        const { getSignedUrl } = await import('@aws-sdk/cloudfront-signer');
        return getSignedUrl({
          url: `${entry.baseUrl}${bucketKey(path)}`,
          keyPairId: entry.keyPairId,
          privateKey,
          dateLessThan: new Date(Date.now() + entry.durationMs).toISOString(),
        });
      };
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
