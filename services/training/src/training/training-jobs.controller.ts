import { Controller, Get, Inject, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { TrainingJobs, type TrainingJob } from '../jobs/training-jobs.repository.js';

/** `GET /training/jobs/:id`: a job's status, timings, run, version, outcome and error. */
@Controller('training/jobs')
export class TrainingJobsController {
  constructor(@Inject(TrainingJobs) private readonly jobs: TrainingJobs) {}

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<TrainingJob> {
    const job = await this.jobs.get(id);
    if (job === undefined)
      throw new NotFoundException(`no training job ${id}: was it requested (mlops.training.requested.v1)?`);
    return job;
  }
}
