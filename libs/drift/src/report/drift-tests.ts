/** Evidently's stattest names (the same names as the contracts' `driftTestSchema`). */
export const DRIFT_TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi', 'kl_div'] as const;
export type DriftTestName = (typeof DRIFT_TESTS)[number];

/** Tests whose score is a p-value (drift when p < threshold; KS: p <= threshold). */
export const P_VALUE_TESTS: ReadonlySet<DriftTestName> = new Set<DriftTestName>(['ks', 'chisquare', 'z']);

/** Evidently's default threshold per test. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTestName, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
  kl_div: 0.1,
};

/** Tests that need numeric input (Evidently: allowed feature type Numerical only). */
export const NUMERIC_ONLY_TESTS: ReadonlySet<DriftTestName> = new Set<DriftTestName>(['ks', 'wasserstein']);

const ALIASES: Readonly<Record<string, DriftTestName>> = {
  ks: 'ks',
  kolmogorov_smirnov: 'ks',
  chisquare: 'chisquare',
  chi_square: 'chisquare',
  chi2: 'chisquare',
  z: 'z',
  z_test: 'z',
  wasserstein: 'wasserstein',
  wasserstein_norm: 'wasserstein',
  jensenshannon: 'jensenshannon',
  jensen_shannon: 'jensenshannon',
  psi: 'psi',
  kl_div: 'kl_div',
  kl: 'kl_div',
};

/**
 * Resolves a test name: Evidently's names (`ks`, `chisquare`, `z`, `wasserstein`,
 * `jensenshannon`, `psi`, `kl_div`) or the platform config's spellings (`chi_square`, `z_test`,
 * `jensen_shannon`, `kl`).
 * @throws RangeError naming the accepted values.
 */
export function parseDriftTestName(name: string, where = 'test'): DriftTestName {
  const t = ALIASES[name.toLowerCase()];
  if (t === undefined) {
    throw new RangeError(`${where}: unknown drift test "${name}"; use one of ${Object.keys(ALIASES).join(', ')}`);
  }
  return t;
}

/** Whether a score drifts under `test`'s rule (Evidently: KS p <= t, other p-values p < t, distances >= t). */
export function isDrift(test: DriftTestName, score: number, threshold: number): boolean {
  if (test === 'ks') return score <= threshold;
  if (P_VALUE_TESTS.has(test)) return score < threshold;
  return score >= threshold;
}
