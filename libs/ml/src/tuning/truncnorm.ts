/**
 * Truncated-normal building blocks of Optuna's TPE (optuna/samplers/_tpe/_truncnorm.py, itself
 * from SciPy): log probability mass of a standard normal on an interval, log-pdf and the inverse
 * cdf (ppf) of a truncated normal, computed in the numerically stable tail, as Optuna does.
 *
 * erf/erfc are ports of FreeBSD msun s_erf.c (the code behind glibc's and so CPython's
 * math.erf/erfc), accurate to < 1 ulp.
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const EFX8 = 1.02703333676410069053;
const PP0 = 1.28379167095512558561e-1,
  PP1 = -3.2504210724700149937e-1,
  PP2 = -2.84817495755985104766e-2,
  PP3 = -5.77027029648944159157e-3,
  PP4 = -2.37630166566501626084e-5;
const QQ1 = 3.97917223959155352819e-1,
  QQ2 = 6.50222499887672944485e-2,
  QQ3 = 5.08130628187576562776e-3,
  QQ4 = 1.32494738004321644526e-4,
  QQ5 = -3.9602282787753681232e-6;
const PA0 = -2.36211856075265944077e-3,
  PA1 = 4.14856118683748331666e-1,
  PA2 = -3.72207876035701323847e-1,
  PA3 = 3.18346619901161753674e-1,
  PA4 = -1.10894694282396677476e-1,
  PA5 = 3.54783043256182359371e-2,
  PA6 = -2.166375594868790843e-3;
const QA1 = 1.06420880400844228286e-1,
  QA2 = 5.40397917702171048937e-1,
  QA3 = 7.18286544141962662868e-2,
  QA4 = 1.26171219808761642112e-1,
  QA5 = 1.36370839120290507362e-2,
  QA6 = 1.1984499846799107417e-2;
const RA0 = -9.86494403484714822705e-3,
  RA1 = -6.93858572707181764372e-1,
  RA2 = -1.05586262253232909814e1,
  RA3 = -6.23753324503260060396e1,
  RA4 = -1.62396669462573470355e2,
  RA5 = -1.84605092906711035994e2,
  RA6 = -8.12874355063065934246e1,
  RA7 = -9.81432934416914548592;
const SA1 = 1.96512716674392571292e1,
  SA2 = 1.376577541435190426e2,
  SA3 = 4.34565877475229228821e2,
  SA4 = 6.45387271733267880336e2,
  SA5 = 4.29008140027567833386e2,
  SA6 = 1.08635005541779435134e2,
  SA7 = 6.57024977031928170135,
  SA8 = -6.04244152148580987438e-2;
const RB0 = -9.86494292470009928597e-3,
  RB1 = -7.99283237680523006574e-1,
  RB2 = -1.77579549177547519889e1,
  RB3 = -1.60636384855821916062e2,
  RB4 = -6.37566443368389627722e2,
  RB5 = -1.02509513161107724954e3,
  RB6 = -4.83519191608651397019e2;
const SB1 = 3.03380607434824582924e1,
  SB2 = 3.25792512996573918826e2,
  SB3 = 1.53672958608443695994e3,
  SB4 = 3.19985821950859553908e3,
  SB5 = 2.55305040643316442583e3,
  SB6 = 4.74528541206955367215e2,
  SB7 = -2.24409524465858183362e1;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

function highWord(x: number): number {
  f64[0] = x;
  return u32[HI]! | 0;
}

function clearLowWord(x: number): number {
  f64[0] = x;
  u32[LO] = 0;
  return f64[0];
}

/** exp(-x^2) * R/S tail term shared by erf and erfc for |x| >= 1.25 (x > 0). */
function tail(x: number, ix: number, limit: number): number {
  const s = 1 / (x * x);
  let r: number;
  let q: number;
  if (ix < limit) {
    r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
    q = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
  } else {
    r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
    q = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
  }
  const z = clearLowWord(x);
  return Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + r / q);
}

/** The error function erf(x); NaN for NaN. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return x > 0 ? 1 : -1;
  if (ix < 0x3feb0000) {
    if (ix < 0x3e300000) {
      if (ix < 0x00800000) return 0.125 * (8.0 * x + EFX8 * x);
      return x + EFX * x;
    }
    const z = x * x;
    const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
    const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
    return x + x * (r / s);
  }
  if (ix < 0x3ff40000) {
    const s = Math.abs(x) - 1;
    const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    return hx >= 0 ? ERX + p / q : -ERX - p / q;
  }
  if (ix >= 0x40180000) return hx >= 0 ? 1 - 1e-300 : 1e-300 - 1;
  const ax = Math.abs(x);
  const r = tail(ax, ix, 0x4006db6e);
  return hx >= 0 ? 1 - r / ax : r / ax - 1;
}

/** The complementary error function erfc(x) = 1 - erf(x), accurate in the right tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const hx = highWord(x);
  const ix = hx & 0x7fffffff;
  if (ix >= 0x7ff00000) return x > 0 ? 0 : 2;
  if (ix < 0x3feb0000) {
    if (ix < 0x3c700000) return 1 - x;
    const z = x * x;
    const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
    const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
    const y = r / s;
    if (hx < 0x3fd00000) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ix < 0x3ff40000) {
    const s = Math.abs(x) - 1;
    const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
    const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
    return hx >= 0 ? 1 - ERX - p / q : 1 + (ERX + p / q);
  }
  if (ix < 0x403c0000) {
    if (hx < 0 && ix >= 0x40180000) return 2 - 1e-300;
    const ax = Math.abs(x);
    const r = tail(ax, ix, 0x4006db6d);
    return hx > 0 ? r / ax : 2 - r / ax;
  }
  return hx > 0 ? 0 : 2 - 1e-300;
}

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/** Standard normal cdf, as Optuna's `_ndtr_single` (erfc in the tails). */
export function ndtr(a: number): number {
  const x = a * SQRT1_2;
  if (x < -SQRT1_2) return 0.5 * erfc(-x);
  if (x < SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** Optuna's array `_ndtr`: 0.5 + 0.5 erf(a / sqrt 2) (used in the central mass). */
function ndtrErf(a: number): number {
  return 0.5 + 0.5 * erf(a / Math.SQRT2);
}

/** log of the standard normal cdf, with the asymptotic series below -20 (Optuna `_log_ndtr_single`). */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return Math.log(ndtr(a));
  const logLhs = -0.5 * a * a - Math.log(-a) - 0.5 * Math.log(2 * Math.PI);
  let lastTotal = 0;
  let rhs = 1;
  let numerator = 1;
  let denomFactor = 1;
  const denomCons = 1 / (a * a);
  let sign = 1;
  let i = 0;
  while (Math.abs(lastTotal - rhs) > Number.EPSILON) {
    i += 1;
    lastTotal = rhs;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denomFactor;
  }
  return logLhs + Math.log(rhs);
}

function logDiff(logP: number, logQ: number): number {
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

function logAddExp(x: number, y: number): number {
  if (x === y) return x + Math.LN2; // also handles -inf, -inf
  const m = Math.max(x, y);
  return m + Math.log1p(Math.exp(-Math.abs(x - y)));
}

/** log( Phi(b) - Phi(a) ): log of the standard normal mass on [a, b], stable in both tails. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtrErf(a) - ndtrErf(-b));
}

/**
 * log-pdf at x of a normal(loc, scale) truncated to the standardized interval [a, b]
 * (a = (low - loc) / scale): -inf outside, NaN when a == b.
 */
export function truncnormLogPdf(x: number, a: number, b: number, loc: number, scale: number): number {
  const z = (x - loc) / scale;
  if (a === b) return Number.NaN;
  if (z < a || z > b) return Number.NEGATIVE_INFINITY;
  return -(z * z) / 2 - LOG_SQRT_2PI - logGaussMass(a, b) - Math.log(scale);
}

/** x such that log_ndtr(x) = y (Newton from Optuna's initial guesses; `_ndtri_exp`). */
function ndtriExp(y: number): number {
  const flipped = y > -1e-2;
  const z = flipped ? Math.log(-Math.expm1(y)) : y;
  let x = z < -5 ? -Math.sqrt(-2 * (z + LOG_SQRT_2PI)) : -(Math.sqrt(3) / Math.PI) * Math.log(Math.expm1(-z));
  for (let it = 0; it < 100; it++) {
    const logNdtrX = logNdtr(x);
    const logNormPdfX = -0.5 * x * x - LOG_SQRT_2PI;
    const dx = (logNdtrX - z) * Math.exp(logNdtrX - logNormPdfX);
    x -= dx;
    if (Math.abs(dx) < 1e-8 * Math.abs(x)) break;
  }
  return flipped ? -x : x;
}

/**
 * Inverse cdf of the standard normal truncated to [a, b] at quantile q in [0, 1]
 * (Optuna `_truncnorm.ppf`): solved in log space on the left tail.
 */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (a === b) return Number.NaN;
  if (q === 0) return a;
  if (q === 1) return b;
  const logMass = logGaussMass(a, b);
  if (a < 0) return ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass));
  return -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
}
