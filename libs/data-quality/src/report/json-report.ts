import type { TableProfile } from '../profile/profile.js';
import type { ValidationResult } from '../validate.js';

/** A data-quality report: a validation result and/or a profile. */
export interface DataQualityReport {
  title: string;
  validation?: ValidationResult;
  profile?: TableProfile;
}

/** JSON text of a report; NaN and +-Infinity are written as null (JSON has no such numbers). */
export function toJsonReport(report: DataQualityReport, indent = 2): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent);
}
