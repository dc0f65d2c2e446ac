import { cookies, headers } from 'next/headers';
import { getRuntime } from '../runtime-config';
import { ApiError } from './api-error';
import { SESSION_COOKIE } from './session-cookie';

/*
 * Server-side calls to the API: the API's base URL from the role's config, the signed-in user's
 * token (httpOnly cookie) forwarded as a Bearer token, and never cached: the dashboard shows the
 * registry as it is now.
 */

export function apiUrl(path: string): string {
  return `${getRuntime().apiUrl}/api${path}`;
}

export async function authorization(): Promise<Record<string, string>> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * The browser's X-Forwarded-For chain (the role's server appended the browser's address, main.ts),
 * passed on so the API limits failed sign-ins per browser, not per dashboard.
 */
export async function forwardedFor(): Promise<Record<string, string>> {
  const chain = (await headers()).get('x-forwarded-for');
  return chain ? { 'x-forwarded-for': chain } : {};
}

/** What every call to the API carries on the browser's behalf. */
async function onBehalf(): Promise<Record<string, string>> {
  return { ...(await forwardedFor()), ...(await authorization()) };
}

export async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(apiUrl(path), { headers: { accept: 'application/json', ...(await onBehalf()) }, cache: 'no-store' });
  if (!response.ok) throw await ApiError.from(response);
  return (await response.json()) as T;
}

/** A JSON request that changes something; resolves to the parsed body (undefined for 204). */
export async function apiSend<T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(apiUrl(path), {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(await onBehalf()) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    cache: 'no-store',
  });
  if (!response.ok) throw await ApiError.from(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
