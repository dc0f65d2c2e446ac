import { request, type Dispatcher } from 'undici';
import { UpstreamError } from '@wharf/registry-core';

/** A parsed `WWW-Authenticate` challenge: the scheme and its parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_TIMEOUT_MS = 15_000;
/** The token spec's default lifetime when the token server names none. */
const DEFAULT_TOKEN_SECONDS = 60;

export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const space = value.indexOf(' ');
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of value.slice(space + 1).matchAll(/([a-zA-Z_]+)="?((?<=")[^"]*|[^,\s]*)"?/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}

/**
 * Signs requests to one upstream the way registries ask to be signed: nothing until a 401 names
 * a scheme, then HTTP Basic with the configured credentials, or a bearer token from the realm the
 * challenge names (anonymous, as Docker Hub gives to anyone, or with the credentials). Tokens are
 * kept per scope until shortly before they expire. Credentials and tokens go only to the upstream
 * and its realm; they are never put in an error, a log line or an event.
 */
export class UpstreamAuth {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private bearer: Challenge | undefined;
  private readonly tokens = new Map<string, { value: string; until: number }>();

  constructor(
    private readonly credentials: { username: string; password: string } | undefined,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header for a request within `scope`, or none yet. */
  header(scope: string): string | undefined {
    if (this.scheme === 'basic') return this.basic();
    if (this.scheme !== 'bearer') return undefined;
    const token = this.tokens.get(scope);
    return token !== undefined && token.until > this.now() ? `Bearer ${token.value}` : undefined;
  }

  /** Learns from a 401; resolves true when a retry may now succeed. */
  async answer(challengeHeader: string | string[] | undefined, scope: string): Promise<boolean> {
    const challenge = parseChallenge(challengeHeader);
    if (challenge?.scheme === 'basic') {
      if (this.credentials === undefined || this.scheme === 'basic') return false;
      this.scheme = 'basic';
      return true;
    }
    if (challenge?.scheme === 'bearer' && challenge.params['realm']) {
      this.scheme = 'bearer';
      this.bearer = challenge;
      await this.fetchToken(scope);
      return true;
    }
    return false;
  }

  private async fetchToken(scope: string): Promise<void> {
    const params = this.bearer!.params;
    let url: URL;
    try {
      url = new URL(params['realm']!);
    } catch {
      throw new UpstreamError('bad-answer', 'the upstream named a token realm that is not a URL');
    }
    if (params['service']) url.searchParams.set('service', params['service']);
    url.searchParams.set('scope', scope);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        dispatcher: this.dispatcher,
        headers: this.credentials === undefined ? {} : { authorization: this.basic() },
        headersTimeout: TOKEN_TIMEOUT_MS,
        bodyTimeout: TOKEN_TIMEOUT_MS,
      });
    } catch (err) {
      throw new UpstreamError('unavailable', `token realm ${url.host}: ${(err as Error).message}`);
    }
    const text = await res.body.text().catch(() => '');
    if (res.statusCode === 401 || res.statusCode === 403) throw new UpstreamError('denied', `token realm ${url.host} answered ${res.statusCode}`);
    if (res.statusCode === 429) throw new UpstreamError('rate-limited', `token realm ${url.host} answered 429`);
    if (res.statusCode !== 200) throw new UpstreamError('unavailable', `token realm ${url.host} answered ${res.statusCode}`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new UpstreamError('bad-answer', `token realm ${url.host} sent no JSON`);
    }
    const value = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (!value) throw new UpstreamError('bad-answer', `token realm ${url.host} sent no token`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    // Renewed a little early so a token never expires between our check and the upstream's.
    this.tokens.set(scope, { value, until: this.now() + Math.max(seconds - 10, seconds / 2) * 1000 });
  }

  private basic(): string {
    const { username, password } = this.credentials!;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
}
