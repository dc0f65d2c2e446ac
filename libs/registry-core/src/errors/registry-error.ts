import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * A failure the client is told about in the OCI error format. Services throw it;
 * one HTTP filter renders it. `status` overrides the table only where the spec
 * asks for a different status with the same code (413 for an oversized manifest).
 */
export class RegistryError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: unknown,
    options: { status?: number; message?: string; headers?: Record<string, string> } = {},
  ) {
    super(options.message ?? ERROR_CODES[code].message);
    this.name = 'RegistryError';
    this.status = options.status ?? ERROR_CODES[code].status;
    this.headers = options.headers ?? {};
  }

  /** Extra response headers the client needs to recover (the upload `Range` on a 416). */
  readonly headers: Record<string, string>;

  toJSON(): { code: ErrorCode; message: string; detail?: unknown } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}
