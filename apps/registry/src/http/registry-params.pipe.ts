import { Injectable, type PipeTransform } from '@nestjs/common';
import { assertRepositoryName, parseDigest, parseManifestReference, type Digest, type ManifestReference } from '@wharf/registry-core';

/** `:name` → a validated repository name (NAME_INVALID otherwise). */
@Injectable()
export class RepositoryNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return assertRepositoryName(value);
  }
}

/** `:digest` → a validated digest (DIGEST_INVALID otherwise). */
@Injectable()
export class DigestPipe implements PipeTransform<string, Digest> {
  transform(value: string): Digest {
    return parseDigest(value);
  }
}

/** `:reference` → a tag or a digest. */
@Injectable()
export class ManifestReferencePipe implements PipeTransform<string, ManifestReference> {
  transform(value: string): ManifestReference {
    return parseManifestReference(value);
  }
}
