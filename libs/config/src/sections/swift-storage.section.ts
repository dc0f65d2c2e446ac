import { z } from 'zod';
import { bool, choice, httpUrl, int, section, text, textList, unsupported } from '../config.fields.js';
import type { SwiftStorageConfig } from '../config.types.js';

/** registry:2's swift driver: 20 MiB segments by default, never under 1 MiB. */
const SWIFT_DEFAULT_CHUNK_SIZE = 20 * 1024 * 1024;
const SWIFT_MIN_CHUNK_SIZE = 1024 * 1024;

/** `storage.swift`: registry:2's keys, with its required ones required and its rules checked here, at start. */
export const swiftStorageSection = section({
  authurl: httpUrl(),
  username: text(),
  password: text(),
  container: text(),
  region: text().optional(),
  // numbers stay text ("0123" is a tenant id, not 123), as registry:2 turns them back into strings
  tenant: text().optional(),
  tenantid: text().optional(),
  domain: text().optional(),
  domainid: text().optional(),
  tenantdomain: text().optional(),
  tenantdomainid: text().optional(),
  trustid: text().optional(),
  insecureskipverify: bool().default(false),
  chunksize: int({ min: SWIFT_MIN_CHUNK_SIZE }).default(SWIFT_DEFAULT_CHUNK_SIZE),
  prefix: text().default(''),
  // The distribution docs' example says rootdirectory, which registry:2's swift driver silently ignores.
  rootdirectory: unsupported("the swift driver's object-name prefix is storage.swift.prefix; rename the key"),
  secretkey: text().optional(),
  accesskey: text().optional(),
  authversion: int({ min: 0, max: 3 }).optional(),
  endpointtype: choice(['public', 'internal', 'admin']).default('public'),
  tempurlcontainerkey: bool().default(false),
  tempurlmethods: textList(),
}).superRefine((raw, ctx) => {
  const version = raw.authversion || authVersionFromUrl(raw.authurl);
  if (version === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['authversion'],
      message: `cannot tell the auth version from authurl ${raw.authurl} (it names none of v1, v2, v3): set authversion`,
    });
  }
  if (version === 1 && raw.endpointtype !== 'public') {
    ctx.addIssue({
      code: 'custom',
      path: ['endpointtype'],
      message: 'only keystone (authversion 2 or 3) has endpoint types; tempauth (v1) returns one storage URL',
    });
  }
});

/** registry:2 (ncw/swift) picks the auth version from the URL when none is set: the first of v3, v2, v1 it contains. */
function authVersionFromUrl(url: string): 1 | 2 | 3 | undefined {
  if (url.includes('v3')) return 3;
  if (url.includes('v2')) return 2;
  if (url.includes('v1')) return 1;
  return undefined;
}

export function toSwiftStorageConfig(raw: z.output<typeof swiftStorageSection>): SwiftStorageConfig {
  const authVersion = raw.authversion || authVersionFromUrl(raw.authurl);
  if (authVersion !== 1 && authVersion !== 2 && authVersion !== 3) throw new Error('swift authversion was not validated');
  const optional = (key: keyof SwiftStorageConfig, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    name: 'swift',
    authUrl: raw.authurl,
    username: raw.username,
    password: raw.password,
    container: raw.container,
    authVersion,
    ...optional('region', raw.region),
    ...optional('tenant', raw.tenant),
    ...optional('tenantId', raw.tenantid),
    ...optional('domain', raw.domain),
    ...optional('domainId', raw.domainid),
    ...optional('tenantDomain', raw.tenantdomain),
    ...optional('tenantDomainId', raw.tenantdomainid),
    ...optional('trustId', raw.trustid),
    ...optional('secretKey', raw.secretkey),
    ...optional('accessKey', raw.accesskey),
    insecureSkipVerify: raw.insecureskipverify,
    chunkSize: raw.chunksize,
    prefix: raw.prefix,
    endpointType: raw.endpointtype,
    tempUrlContainerKey: raw.tempurlcontainerkey,
    tempUrlMethods: raw.tempurlmethods.map((method) => method.toUpperCase()),
  };
}
