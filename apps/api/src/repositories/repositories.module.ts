import { Module } from '@nestjs/common';
import { ImageTagsService } from '../images/image-tags.service.js';
import { RegistryReader } from '../images/registry-reader.js';
import { CountersConnection } from './counters.connection.js';
import { DownloadsController } from './downloads.controller.js';
import { RepositoriesController } from './repositories.controller.js';
import { RepositoriesService } from './repositories.service.js';
import { StoredRepositoriesService } from './stored-repositories.service.js';

/** The repositories part of the REST API: repositories with their counters (or from storage alone, with no database), tags and manifests from storage, deletes, the downloads leaderboard. */
@Module({
  controllers: [RepositoriesController, DownloadsController],
  providers: [CountersConnection, StoredRepositoriesService, RepositoriesService, RegistryReader, ImageTagsService],
})
export class RepositoriesModule {}
