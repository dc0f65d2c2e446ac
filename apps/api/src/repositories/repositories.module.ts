import { Module } from '@nestjs/common';
import { CountersConnection } from './counters.connection.js';
import { DownloadsController } from './downloads.controller.js';
import { RepositoriesController } from './repositories.controller.js';
import { RepositoriesService } from './repositories.service.js';

/** The repositories part of the REST API: repositories with their counters, tags, the downloads leaderboard. */
@Module({
  controllers: [RepositoriesController, DownloadsController],
  providers: [CountersConnection, RepositoriesService],
})
export class RepositoriesModule {}
