import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthRegistry, type LivenessReport, type ReadinessReport } from '../health/health.registry.js';

/** `GET /health/live`, `GET /health/ready` and `GET /health` (= ready); 503 when not ready. */
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthRegistry) private readonly health: HealthRegistry) {}

  @Get('live')
  live(): LivenessReport {
    return this.health.liveness();
  }

  @Get('ready')
  ready(): Promise<ReadinessReport> {
    return readyOr503(this.health);
  }

  @Get()
  summary(): Promise<ReadinessReport> {
    return readyOr503(this.health);
  }
}

async function readyOr503(health: HealthRegistry): Promise<ReadinessReport> {
  const report = await health.readiness();
  if (report.status !== 'ready') throw new ServiceUnavailableException(report);
  return report;
}
