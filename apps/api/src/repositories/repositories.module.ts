import { Module } from '@nestjs/common';

/** The repositories part of the REST API. */
@Module({})
export class RepositoriesModule {}
