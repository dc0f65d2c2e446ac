import type { NextRequest } from 'next/server';
import { apiUrl, authorization, forwardedFor } from '../../../lib/api.server';

/*
 * The browser's way to the API: client components (search as you type, polling, paging) call
 * /api/... on the dashboard, which forwards to the API with the session cookie's token as Bearer.
 * The token itself never reaches page scripts. Sessions are handled by the sign-in actions, not here.
 */
async function forward(request: NextRequest, context: { params: Promise<{ path: string[] }> }): Promise<Response> {
  const { path } = await context.params;
  // dot segments would step out of /api on the API's host once the URL is normalised
  if (path.some((segment) => segment === '.' || segment === '..')) {
    return Response.json({ statusCode: 400, error: 'Bad Request', message: 'not an API path' }, { status: 400 });
  }
  if (path[0] === 'session') {
    return Response.json({ statusCode: 404, error: 'Not Found', message: 'sign in through the dashboard' }, { status: 404 });
  }
  const target = `${apiUrl(`/${path.map(encodeURIComponent).join('/')}`)}${request.nextUrl.search}`;
  const headers: Record<string, string> = { accept: 'application/json', ...(await forwardedFor()), ...(await authorization()) };
  const type = request.headers.get('content-type');
  if (type) headers['content-type'] = type;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  try {
    const response = await fetch(target, {
      method: request.method,
      headers,
      ...(hasBody ? { body: await request.text() } : {}),
      cache: 'no-store',
    });
    const body = response.status === 204 ? null : await response.arrayBuffer();
    return new Response(body, {
      status: response.status,
      headers: { 'content-type': response.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' },
    });
  } catch {
    return Response.json({ statusCode: 502, error: 'Bad Gateway', message: 'The API is not reachable.' }, { status: 502 });
  }
}

export const GET = forward;
export const POST = forward;
export const PATCH = forward;
export const PUT = forward;
export const DELETE = forward;
