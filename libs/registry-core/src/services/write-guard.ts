import { RegistryError } from '../errors/registry-error.js';
import type { RegistryOptions } from './registry-options.js';

/** The two switches registry:2 has for refusing writes, applied the same way everywhere. */
export class WriteGuard {
  constructor(private readonly options: Pick<RegistryOptions, 'deleteEnabled' | 'readOnly'>) {}

  assertWritable(): void {
    if (this.options.readOnly) {
      throw new RegistryError('UNSUPPORTED', 'registry is in read-only mode', {
        message: 'The operation is unsupported: the registry is read-only.',
      });
    }
  }

  assertDeletable(): void {
    this.assertWritable();
    if (!this.options.deleteEnabled) {
      throw new RegistryError('UNSUPPORTED', 'deletes are disabled (storage.delete.enabled: false)');
    }
  }
}
