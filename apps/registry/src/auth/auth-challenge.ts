import { RegistryError } from '@wharf/registry-core';
import type { RequiredAccess } from './required-access.js';

/** `repository:name:pull,push` (the token spec's scope), or undefined where no scope applies. */
function scopeOf(access: RequiredAccess): string | undefined {
  if (access.kind === 'catalog') return 'registry:catalog:*';
  if (access.kind === 'repository') return `repository:${access.name}:${access.actions.join(',')}`;
  return undefined;
}

/** distribution's error detail for a refused request: the access records it needed. */
export function accessDetail(access: RequiredAccess): unknown {
  if (access.kind === 'catalog') return [{ Type: 'registry', Class: '', Name: 'catalog', Action: '*' }];
  if (access.kind === 'repository') return access.actions.map((action) => ({ Type: 'repository', Class: '', Name: access.name, Action: action }));
  return undefined;
}

export function basicChallenge(realm: string, access: RequiredAccess): RegistryError {
  return new RegistryError('UNAUTHORIZED', accessDetail(access), { headers: { 'WWW-Authenticate': `Basic realm=${quoted(realm)}` } });
}

/** The Docker token spec's challenge: realm, service, the scope needed, and why a token was refused. */
export function bearerChallenge(
  realm: string,
  service: string,
  access: RequiredAccess,
  error?: 'invalid_token' | 'insufficient_scope',
): RegistryError {
  const scope = scopeOf(access);
  let header = `Bearer realm=${quoted(realm)},service=${quoted(service)}`;
  if (scope !== undefined) header += `,scope=${quoted(scope)}`;
  if (error !== undefined) header += `,error=${quoted(error)}`;
  return new RegistryError('UNAUTHORIZED', accessDetail(access), { headers: { 'WWW-Authenticate': header } });
}

export function denied(access: RequiredAccess): RegistryError {
  return new RegistryError('DENIED', accessDetail(access));
}

export function tooManyFailures(retryAfterSeconds: number): RegistryError {
  return new RegistryError('TOOMANYREQUESTS', 'too many failed sign-ins from this address', {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
