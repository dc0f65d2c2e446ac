import { z } from 'zod';
import { freeMap, isHttpUrl, int, section, text, textList } from '../config.fields.js';
import type { DatabaseConfig, ElasticsearchConfig } from '../config.types.js';

/*
 * Sections Wharf adds to the registry:2 format. Parsed now so that a typo stops start-up, even
 * before the roles that use them exist; every key is optional until its role needs it.
 */

export const elasticsearchSection = section({
  urls: textList(),
  addresses: textList(), // alias of urls
  indexprefix: text().default('wharf'),
  username: text().optional(),
  password: text().optional(),
}).superRefine((value, ctx) => {
  if (value.urls.length + value.addresses.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['urls'], message: 'required: at least one URL' });
  }
  for (const key of ['urls', 'addresses'] as const) {
    value[key].forEach((url, index) => {
      if (!isHttpUrl(url)) {
        ctx.addIssue({ code: 'custom', path: [key, index], message: 'expected an absolute http:// or https:// URL' });
      }
    });
  }
});

export function toElasticsearchConfig(raw: z.output<typeof elasticsearchSection>): ElasticsearchConfig {
  return {
    urls: [...raw.urls, ...raw.addresses],
    indexPrefix: raw.indexprefix,
    ...(raw.username === undefined ? {} : { username: raw.username }),
    ...(raw.password === undefined ? {} : { password: raw.password }),
  };
}

export const databaseSection = section({
  url: text().optional(),
  host: text().optional(),
  port: int({ min: 1, max: 65_535 }).optional(),
  user: text().optional(),
  password: text().optional(),
  database: text().optional(),
}).superRefine((value, ctx) => {
  if (value.url === undefined && value.host === undefined) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'required: set database.url or database.host' });
  }
  if (value.url !== undefined && value.host !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'set either database.url or database.host, not both' });
  }
});

export function toDatabaseConfig(raw: z.output<typeof databaseSection>): DatabaseConfig {
  if (raw.url !== undefined) return { url: raw.url };
  return {
    ...(raw.host === undefined ? {} : { host: raw.host }),
    port: raw.port ?? 5432,
    ...(raw.user === undefined ? {} : { user: raw.user }),
    ...(raw.password === undefined ? {} : { password: raw.password }),
    ...(raw.database === undefined ? {} : { database: raw.database }),
  };
}

export const webhooksSection = freeMap();

export const apiSection = section({ addr: text() });

