import { Module } from '@nestjs/common';
import { MirrorsController } from './mirrors.controller.js';
import { MirrorsService } from './mirrors.service.js';

/** The pull-through cache's statistics for the dashboard's mirror page. */
@Module({
  controllers: [MirrorsController],
  providers: [MirrorsService],
})
export class MirrorsModule {}
