import type { ServedPrediction } from '../prediction-served.event.js';

/** A served prediction every prediction-served spec starts from (valid; a customer, a missing value). */
export const servedPredictionFixture: ServedPrediction = {
  requestId: '3f0c8d52-3c1e-4a8a-9b7e-2f1d6c1e9a10',
  customerId: '7590-VHVEG',
  modelName: 'churn-predictor',
  modelVersion: 3,
  variant: 'champion',
  probability: 0.731,
  label: 1,
  threshold: 0.5,
  latencyMs: 0.084,
  features: { tenure: 8, contract: 'Month-to-month', total_charges: null, 'monthly charges (USD)': 99.65 },
  servedAt: '2026-11-26T23:12:16.123Z',
};
