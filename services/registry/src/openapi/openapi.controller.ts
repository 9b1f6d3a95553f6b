import { Controller, Get, UseFilters } from '@nestjs/common';
import { openApiDocument } from './openapi.document.js';
import { RegistryErrorFilter } from '../common/registry-error.filter.js';

@UseFilters(RegistryErrorFilter)
@Controller('api/v1')
export class OpenApiController {
  @Get('openapi.json')
  document(): typeof openApiDocument {
    return openApiDocument;
  }
}
