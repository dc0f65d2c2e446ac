import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { parseConfig } from '@wharf/config';
import { createLogger } from '@wharf/observability';
import { ApiModule } from './api.module.js';
import { API_SCHEMAS } from './http/openapi.schemas.js';

/** The OpenAPI document of the API `app` serves: its routes, and the answers' shapes as named components. */
export function describeApi(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Wharf API').setVersion('0.1.0').build());
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...API_SCHEMAS } };
  return document;
}

/**
 * The same document without serving anything or connecting to anything (the routes do not depend
 * on the configuration): what the dashboard's types are generated from (scripts/api-types.mjs).
 */
export async function openApiDocument(): Promise<OpenAPIObject> {
  const config = parseConfig('version: 0.1\nstorage:\n  inmemory: {}\n', {});
  const nowhere = { delete: () => Promise.reject(new Error('the document builder writes nothing')) };
  const app = await NestFactory.create(ApiModule.forRoot(config, createLogger({ level: 'silent' }), nowhere), new FastifyAdapter(), { logger: false });
  app.setGlobalPrefix('api');
  try {
    return describeApi(app);
  } finally {
    await app.close();
  }
}
