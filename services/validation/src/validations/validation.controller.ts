import { Controller, Get, Header, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import type { StoredValidation } from './validation.repository.js';
import { ValidationService, type ValidationStatus } from './validation.service.js';

/** REST reads of suite runs: JSON, the HTML report, and the training gate. */
@Controller('validations')
export class ValidationController {
  constructor(@Inject(ValidationService) private readonly validations: ValidationService) {}

  /** The latest run on a dataset (404 when none is stored). */
  @Get(':datasetId')
  latest(@Param('datasetId', ParseUUIDPipe) datasetId: string): Promise<StoredValidation> {
    return this.validations.latest(datasetId);
  }

  /** Self-contained HTML report of the latest run (results and column profile). */
  @Get(':datasetId/report.html')
  @Header('content-type', 'text/html; charset=utf-8')
  report(@Param('datasetId', ParseUUIDPipe) datasetId: string): Promise<string> {
    return this.validations.reportHtml(datasetId);
  }

  /** `{state, trainable}`: the training service refuses a dataset unless `trainable` is true. */
  @Get(':datasetId/status')
  status(@Param('datasetId', ParseUUIDPipe) datasetId: string): Promise<ValidationStatus> {
    return this.validations.status(datasetId);
  }
}
