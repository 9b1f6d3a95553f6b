import { normalCdf } from '../special/normal.js';
import type { TestResult } from './chi-square.js';

/**
 * Evidently's two-proportion z-test (`z_stat_test`): with p1 = x1 / n1, p2 = x2 / n2 the shares
 * of the second category, P = (x1 + x2) / (n1 + n2),
 * z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)), p = 2 (1 - Phi(|z|)).
 * When both samples hold the same single value: z = 0, p = 1.
 * @throws RangeError when a sample size is not positive.
 */
export function proportionsZTest(x1: number, n1: number, x2: number, n2: number): TestResult {
  if (!(n1 > 0)) throw new RangeError(`proportionsZTest: n1 must be > 0, got ${n1}`);
  if (!(n2 > 0)) throw new RangeError(`proportionsZTest: n2 must be > 0, got ${n2}`);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  if (P === 0 || P === 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}
