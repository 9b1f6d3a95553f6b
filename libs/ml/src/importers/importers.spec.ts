import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensembleProba, ensembleRaw, type TreeEnsemble } from '../trees/tree.js';
import { importLightGBMText, importXGBoostJson, ModelImportError, parseXGBoostBaseScore } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '__fixtures__');

interface Case {
  name: string;
  file: string;
  kind: 'xgboost' | 'lightgbm';
  featureNames: string[];
  rows: (number | null)[][];
  proba: number[];
  margin: number[];
}
const recorded = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as { cases: Case[] };

function load(c: Case): TreeEnsemble {
  const text = readFileSync(join(fixtures, c.file), 'utf8');
  return c.kind === 'xgboost' ? importXGBoostJson(text) : importLightGBMText(text);
}

describe('importers: parity with the real xgboost 3.2 / lightgbm 4.7 predictions (compat/importers/make_fixtures.py)', () => {
  it('has fixtures for xgboost and lightgbm, gbdt, zero_as_missing and rf modes, with NaN rows', () => {
    expect(recorded.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['xgboost synth', 'xgboost telco', 'lightgbm synth gbdt', 'lightgbm synth zero', 'lightgbm synth rf', 'lightgbm telco gbdt']),
    );
    for (const c of recorded.cases) expect(c.rows.some((r) => r.some((v) => v === null))).toBe(true);
  });

  for (const c of recorded.cases) {
    it(`${c.name}: predict_proba and raw margin within 1e-5 on every row`, () => {
      const e = load(c);
      expect(e.featureNames).toEqual(c.featureNames);
      expect(e.trees.length).toBe(30);
      let maxErr = 0;
      c.rows.forEach((r, i) => {
        const row = r.map((v) => (v === null ? Number.NaN : v));
        const p = ensembleProba(e, row);
        // LightGBM's raw_score sums the trees even in rf mode (average_output); only predict averages.
        const m = ensembleRaw(e, row) * (c.name.endsWith(' rf') ? e.trees.length : 1);
        maxErr = Math.max(maxErr, Math.abs(p - c.proba[i]!), Math.abs(m - c.margin[i]!));
      });
      expect(maxErr).toBeLessThan(1e-5);
    });
  }

  it('XGBoost import: rule lt, float32 features, baseMargin = logit(base_score)', () => {
    const c = recorded.cases.find((x) => x.name === 'xgboost synth')!;
    const text = readFileSync(join(fixtures, c.file), 'utf8');
    const e = importXGBoostJson(JSON.parse(text) as unknown);
    const bs = parseXGBoostBaseScore((JSON.parse(text) as { learner: { learner_model_param: { base_score: string } } }).learner.learner_model_param.base_score);
    expect(e.splitRule).toBe('lt');
    expect(e.float32Features).toBe(true);
    expect(e.baseMargin).toBeCloseTo(Math.log(bs / (1 - bs)), 12);
    for (const t of e.trees) for (let k = 0; k < t.threshold.length; k++) expect(Math.fround(t.threshold[k]!)).toBe(t.threshold[k]);
  });

  it('LightGBM import: rule le, baseMargin 0, cover = counts', () => {
    const c = recorded.cases.find((x) => x.name === 'lightgbm synth gbdt')!;
    const e = load(c);
    expect(e.splitRule).toBe('le');
    expect(e.baseMargin).toBe(0);
    const t0 = e.trees[0]!;
    expect(t0.cover[0]).toBe(t0.cover[t0.left[0]!]! + t0.cover[t0.right[0]!]!);
  });
});

describe('parseXGBoostBaseScore', () => {
  it('reads the scalar (XGBoost 2) and the vector (XGBoost 3) forms', () => {
    expect(parseXGBoostBaseScore('5E-1')).toBe(0.5);
    expect(parseXGBoostBaseScore('[4.1037235E-1]')).toBe(0.41037235);
  });
  it('rejects multi-target vectors and garbage', () => {
    expect(() => parseXGBoostBaseScore('[1E-1,2E-1]')).toThrow('has 2 values; only single-target binary models are supported');
    expect(() => parseXGBoostBaseScore('abc')).toThrow('base_score "abc" is not a number');
  });
});

describe('importer errors name the problem', () => {
  const xgbText = readFileSync(join(fixtures, 'xgb_synth.json'), 'utf8');
  const lgbText = readFileSync(join(fixtures, 'lgb_synth_gbdt.txt'), 'utf8');
  type Json = Record<string, unknown> & {
    learner: { objective: { name: string }; gradient_booster: { name: string; model: { trees: Record<string, unknown[]>[] } }; learner_model_param: Record<string, string> };
  };
  const xgb = (): Json => JSON.parse(xgbText) as Json;

  it('XGBoost: invalid JSON, wrong objective, dart, categorical split, bad child index', () => {
    expect(() => importXGBoostJson('{not json')).toThrow(ModelImportError);
    expect(() => importXGBoostJson('{not json')).toThrow(/importXGBoostJson: input is not valid JSON/);
    expect(() => importXGBoostJson({})).toThrow('missing object "model.learner"');
    const o = xgb();
    o.learner.objective.name = 'reg:squarederror';
    expect(() => importXGBoostJson(o)).toThrow('objective "reg:squarederror" is not supported');
    const d = xgb();
    d.learner.gradient_booster.name = 'dart';
    expect(() => importXGBoostJson(d)).toThrow('booster "dart" is not supported');
    const c = xgb();
    const t = c.learner.gradient_booster.model.trees[0]!;
    t['split_type']![0] = 1;
    expect(() => importXGBoostJson(c)).toThrow(/trees\[0\]: node 0 is a categorical split on feature "x\d"/);
    const b = xgb();
    b.learner.gradient_booster.model.trees[1]!['left_children']![0] = 9999;
    expect(() => importXGBoostJson(b)).toThrow('trees[1]: child index 9999 is out of range');
    const s = xgb();
    s.learner.gradient_booster.model.trees[2]!['split_conditions']!.pop();
    expect(() => importXGBoostJson(s)).toThrow(/trees\[2\]\.split_conditions must be an array of \d+ numbers/);
  });

  it('LightGBM: not a text model, truncated, categorical split, multi-class, wrong objective', () => {
    expect(() => importLightGBMText('{"name":"tree"}')).toThrow('first line must be "tree"');
    expect(() => importLightGBMText(lgbText.slice(0, 3000))).toThrow(/looks truncated|has \d+ values, expected/);
    const cat = lgbText.replace(/^decision_type=(\d+)/m, (_m, d: string) => `decision_type=${Number(d) | 1}`);
    expect(() => importLightGBMText(cat)).toThrow(/Tree=0: node 0 is a categorical split on feature "x\d"; categorical splits are not supported/);
    expect(() => importLightGBMText(lgbText.replace('num_class=1', 'num_class=3'))).toThrow('multi-class models are not supported');
    expect(() => importLightGBMText(lgbText.replace('objective=binary sigmoid:1', 'objective=regression'))).toThrow('objective "regression" is not supported');
    expect(() => importLightGBMText(lgbText.replace('objective=binary sigmoid:1', 'objective=binary sigmoid:2'))).toThrow('sigmoid != 1 is not supported');
    expect(() => importLightGBMText(lgbText.replace(/^left_child=(-?\d+)/m, 'left_child=77'))).toThrow(/Tree=0: node index 77 out of range|has \d+ values/);
  });
});
