import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import type { StoredCheck, StoredReference } from './drift.repository.js';
import { DriftService } from './drift.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseTime(name: string, value: string | undefined): Date {
  const t = value === undefined ? Number.NaN : Date.parse(value);
  if (Number.isNaN(t))
    throw new BadRequestException(`query parameter ${name} must be an ISO-8601 time, got ${String(value)}`);
  return new Date(t);
}

/** REST: the reference, stored checks, and on-demand window checks. */
@Controller('drift')
export class DriftController {
  constructor(@Inject(DriftService) private readonly drift: DriftService) {}

  @Get('reference')
  reference(): Promise<StoredReference> {
    return this.drift.reference();
  }

  /** `{datasetId}`: the reference until the registry names the production model's training data. */
  @Put('reference')
  setReference(@Body() body: unknown): Promise<StoredReference> {
    const id = (body as { datasetId?: unknown } | null)?.datasetId;
    if (typeof id !== 'string' || !UUID.test(id))
      throw new BadRequestException('body must be {"datasetId": "<uuid>"}');
    return this.drift.setReference(id.toLowerCase());
  }

  @Get('datasets/:datasetId')
  latestForDataset(@Param('datasetId', ParseUUIDPipe) datasetId: string): Promise<StoredCheck> {
    return this.drift.latestForDataset(datasetId);
  }

  @Get('checks/:checkId')
  check(@Param('checkId', ParseUUIDPipe) checkId: string): Promise<StoredCheck> {
    return this.drift.getCheck(checkId);
  }

  /** Compares the served inputs of [from, to) with the reference. */
  @Post('windows/check')
  checkWindow(
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('modelName') modelName: string | undefined,
  ): Promise<Omit<StoredCheck, 'createdAt'>> {
    return this.drift.checkWindow(parseTime('from', from), parseTime('to', to), modelName);
  }
}
