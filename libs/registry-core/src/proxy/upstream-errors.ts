import { RegistryError } from '../errors/registry-error.js';
import { UpstreamError } from './upstream.js';

/** How an upstream's failure reaches the client: in the OCI format, with a status that says whose fault it is. */
export function toClientError(err: UpstreamError, notFound: RegistryError): RegistryError {
  switch (err.failure) {
    case 'not-found':
      return notFound;
    case 'rate-limited':
      return new RegistryError('TOOMANYREQUESTS', err.detail, {
        message: 'the upstream registry is rate limiting this cache; retry later',
        ...(err.retryAfter === undefined ? {} : { headers: { 'Retry-After': err.retryAfter } }),
      });
    case 'denied':
      return new RegistryError('DENIED', err.detail, { message: 'the upstream registry refused the cache\'s credentials' });
    case 'bad-answer':
      return new RegistryError('UNAVAILABLE', err.detail, { status: 502, message: 'the upstream registry sent an invalid answer' });
    case 'unavailable':
      return new RegistryError('UNAVAILABLE', err.detail, { message: 'the upstream registry is unavailable' });
  }
}
