import { z } from 'zod';
import { choice, httpUrl, section, text, unsupported } from '../config.fields.js';
import type { AzureStorageConfig } from '../config.types.js';

const DEFAULT_REALM = 'core.windows.net';

/**
 * storage.azure: registry:2's keys (accountname, accountkey, container, realm, rootdirectory)
 * and v3's (serviceurl, connectionstring, credentials: shared_key | client_secret |
 * default_credentials). A 2.8 file, which has no credentials section, signs in with the key.
 */
export const azureStorageSection = section({
  accountname: text().optional(),
  accountkey: text().optional(),
  container: text().optional(),
  realm: text().optional(),
  rootdirectory: text().default(''),
  serviceurl: httpUrl().optional(),
  connectionstring: text().optional(),
  credentials: section({
    type: choice(['shared_key', 'client_secret', 'default_credentials']).optional(),
    clientid: text().optional(),
    tenantid: text().optional(),
    secret: text().optional(),
  }),
  // 3.x retry tuning of its Go SDK; refused by name until the driver passes it to the Azure SDK's retry policy.
  max_retries: unsupported('Wharf retries Azure requests 5 times from 100 ms, doubling (about 3 s in all); remove it'),
  retry_delay: unsupported('Wharf retries Azure requests 5 times from 100 ms, doubling (about 3 s in all); remove it'),
}).superRefine((raw, ctx) => {
  const refuse = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  if (raw.container === undefined) refuse(['container'], 'required: the container that holds the registry');
  const credentials = raw.credentials;
  if (raw.connectionstring !== undefined) {
    // the connection string names the endpoint and the credential; a second source would be ignored
    for (const key of ['accountname', 'accountkey', 'serviceurl', 'realm'] as const) {
      if (raw[key] !== undefined) refuse([key], 'not used with connectionstring, which names the account, its key and its endpoint');
    }
    if (credentials.type !== undefined) refuse(['credentials', 'type'], 'not used with connectionstring, which carries the credential');
    return;
  }
  const type = credentials.type ?? 'shared_key';
  if (type === 'shared_key') {
    if (raw.accountname === undefined) refuse(['accountname'], 'required (or a connectionstring)');
    if (raw.accountkey === undefined) refuse(['accountkey'], 'required with shared key credentials (or a connectionstring)');
  } else {
    if (raw.accountkey !== undefined) refuse(['accountkey'], `not used with ${type} credentials`);
    if (raw.accountname === undefined && raw.serviceurl === undefined) refuse(['accountname'], 'required (or a serviceurl)');
  }
  for (const key of ['clientid', 'tenantid', 'secret'] as const) {
    const given = credentials[key] !== undefined;
    if (type === 'client_secret' && !given) refuse(['credentials', key], 'required with client_secret credentials');
    if (type !== 'client_secret' && given) refuse(['credentials', key], `only used with type client_secret (type is ${type})`);
  }
});

export function toAzureStorageConfig(raw: z.output<typeof azureStorageSection>): AzureStorageConfig {
  const base = { name: 'azure' as const, container: raw.container ?? '', rootDirectory: raw.rootdirectory };
  if (raw.connectionstring !== undefined) return { ...base, connectionString: raw.connectionstring };
  const serviceUrl = raw.serviceurl ?? `https://${raw.accountname ?? ''}.blob.${raw.realm ?? DEFAULT_REALM}`;
  const c = raw.credentials;
  switch (c.type ?? 'shared_key') {
    case 'shared_key':
      return { ...base, serviceUrl, credential: { kind: 'shared-key', accountName: raw.accountname ?? '', accountKey: raw.accountkey ?? '' } };
    case 'client_secret':
      return { ...base, serviceUrl, credential: { kind: 'client-secret', tenantId: c.tenantid ?? '', clientId: c.clientid ?? '', secret: c.secret ?? '' } };
    case 'default_credentials':
      return { ...base, serviceUrl, credential: { kind: 'default' } };
  }
}
