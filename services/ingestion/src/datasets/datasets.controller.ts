import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FeaturesOutcome } from '../features/feature-materializer.js';
import { DatasetsService, type IngestResult } from './datasets.service.js';
import type { DatasetRecord, FeaturesState, QuarantineItem } from './dataset.store.js';
import { IngestionExceptionFilter } from './ingestion-exception.filter.js';
import { IngestionError, IngestionErrorCode } from './ingestion.error.js';
import { CSV_CONTENT_TYPE, isCsvContentType } from './csv-body.parser.js';

/** REST of the datasets: thin, every method delegates to {@link DatasetsService}. */
@Controller('datasets')
@UseFilters(IngestionExceptionFilter)
export class DatasetsController {
  constructor(@Inject(DatasetsService) private readonly datasets: DatasetsService) {}

  /** `POST /datasets/:name/upload` with `Content-Type: text/csv`: the body is streamed, never buffered whole. */
  @Post(':name/upload')
  async upload(
    @Param('name') name: string,
    @Query('delimiter') delimiter: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestResponse> {
    requireCsv(req);
    const result = await this.datasets.ingestCsv(name, req.body as AsyncIterable<Uint8Array>, {
      fileName: fileNameOf(req, name),
      ...(delimiter !== undefined && delimiter !== '' ? { delimiter } : {}),
      ...contentLengthOf(req),
    });
    void reply.status(result.created ? 201 : 200);
    return ingestResponse(result);
  }

  /** `POST /datasets/:name/records[?partial=true]`: a JSON array of records (all-or-nothing unless partial). */
  @Post(':name/records')
  async records(
    @Param('name') name: string,
    @Query('partial') partial: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestResponse> {
    const result = await this.datasets.ingestBatch(name, req.body, {
      partial: partial === 'true' || partial === '1',
      submittedBy: submitterOf(req),
    });
    void reply.status(result.created ? 201 : 200);
    return ingestResponse(result);
  }

  @Get()
  async list(
    @Query('name') name: string | undefined,
    @Query('limit') limit: string | undefined,
    @Query('offset') offset: string | undefined,
  ): Promise<{ datasets: DatasetView[] }> {
    const rows = await this.datasets.list({ ...(name ? { name } : {}), ...page(limit, offset, 100) });
    return { datasets: rows.map(view) };
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<DatasetView> {
    return view(await this.datasets.get(id));
  }

  /**
   * `GET /datasets/:id/rows?format=csv`: the accepted rows as `text/csv` (header in the dataset's
   * column order, rows in line order), streamed from PostgreSQL page by page. 404 unknown id,
   * 400 unknown format.
   */
  @Get(':id/rows')
  async rows(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('format') format: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { dataset, chunks } = await this.datasets.rowsCsv(id, format ?? 'csv');
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('x-row-count', String(dataset.rowCount))
      .send(Readable.from(chunks));
  }

  @Get(':id/quarantine')
  async quarantine(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('limit') limit: string | undefined,
    @Query('offset') offset: string | undefined,
  ): Promise<{ datasetId: string; quarantinedCount: number; items: QuarantineItem[] }> {
    const p = page(limit, offset, 1000);
    const { dataset, items } = await this.datasets.quarantine(id, p.limit, p.offset);
    return { datasetId: dataset.id, quarantinedCount: dataset.quarantinedCount, items };
  }

  /**
   * `POST /datasets/:id/materialize`: writes the dataset's online features now (after a feature
   * store outage, after Redis lost its data, or for a dataset stored before features were written).
   * 200 with what was written; 409 for a stream window; 503 when the store did not take it.
   */
  @Post(':id/materialize')
  @HttpCode(200)
  async materialize(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ dataset: DatasetView; features: FeaturesOutcome }> {
    const { dataset, features } = await this.datasets.materialize(id);
    return { dataset: view(dataset), features };
  }

  /** `POST /datasets/:id/close`: closes an open stream window now (it closes by itself when its UTC day ends). */
  @Post(':id/close')
  @HttpCode(200)
  async close(@Param('id', new ParseUUIDPipe()) id: string): Promise<DatasetView> {
    return view(await this.datasets.closeWindow(id));
  }
}

export interface DatasetView extends Omit<DatasetRecord, 'windowStart' | 'windowEnd' | 'createdAt' | 'committedAt' | 'publishedAt' | 'features'> {
  readonly windowStart: string | null;
  readonly windowEnd: string | null;
  readonly createdAt: string;
  readonly committedAt: string | null;
  readonly publishedAt: string | null;
  readonly features: Omit<FeaturesState, 'materializedAt'> & { readonly materializedAt: string | null };
}

export interface IngestResponse {
  readonly created: boolean;
  readonly records: number;
  readonly stored: number;
  readonly quarantined: number;
  readonly dataset: DatasetView;
  /** The online features of the dataset (status materialized, or pending with the error: retried by the sweep). */
  readonly features: FeaturesOutcome;
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

function view(d: DatasetRecord): DatasetView {
  return {
    ...d,
    windowStart: iso(d.windowStart),
    windowEnd: iso(d.windowEnd),
    createdAt: d.createdAt.toISOString(),
    committedAt: iso(d.committedAt),
    publishedAt: iso(d.publishedAt),
    features: { ...d.features, materializedAt: iso(d.features.materializedAt) },
  };
}

function ingestResponse(r: IngestResult): IngestResponse {
  return { created: r.created, records: r.records, stored: r.stored, quarantined: r.quarantined, dataset: view(r.dataset), features: r.features };
}

function requireCsv(req: FastifyRequest): void {
  const type = req.headers['content-type'];
  if (!isCsvContentType(type)) {
    throw new IngestionError(
      IngestionErrorCode.UnsupportedMediaType,
      `Content-Type ${type === undefined ? '(none)' : JSON.stringify(type)} is not accepted here: send the file as ${CSV_CONTENT_TYPE} ` +
        `(curl --data-binary @file.csv -H 'Content-Type: text/csv'), or JSON records to POST /datasets/:name/records`,
    );
  }
}

function fileNameOf(req: FastifyRequest, name: string): string {
  const header = req.headers['x-file-name'];
  const given = typeof header === 'string' ? header.trim() : '';
  return (given !== '' ? given : `${name}.csv`).slice(0, 255);
}

function submitterOf(req: FastifyRequest): string {
  const header = req.headers['x-submitted-by'];
  const given = typeof header === 'string' ? header.trim() : '';
  return (given !== '' ? given : 'rest-api').slice(0, 128);
}

function contentLengthOf(req: FastifyRequest): { contentLength?: number } {
  const n = Number(req.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? { contentLength: n } : {};
}

function page(limit: string | undefined, offset: string | undefined, max: number): { limit: number; offset: number } {
  const l = Number(limit ?? max);
  const o = Number(offset ?? 0);
  return {
    limit: Number.isInteger(l) && l >= 1 ? Math.min(l, max) : max,
    offset: Number.isInteger(o) && o >= 0 ? o : 0,
  };
}
