"""Records Optuna's TPE internals and MedianPruner decisions for the TypeScript specs
(libs/ml/src/tuning/__fixtures__/optuna-tpe.json).

For sets of finished trials (COMPLETE, PRUNED with intermediate values, FAIL) over a search
space with float, log-float, stepped float, int, log-int and categorical parameters, it records,
per parameter, what TPESampler (Optuna defaults, univariate) computes: the below/above split
(gamma), the Parzen estimators' mixture weights, mus and sigmas (or categorical weights), their
log-pdf at fixed points, 24 candidates drawn from l(x) with the log l(x) - log g(x) values and the
chosen candidate (checked here against TPESampler._sample with the same random state).
`_ParzenEstimator`, `_split_trials` and `_sample` are internal API: the fixture pins the version.

Run: .venv/bin/python compat/tuning/record_tpe.py
"""
import json
import math
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.pruners import MedianPruner
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
from optuna.samplers._tpe.probability_distributions import _BatchedCategoricalDistributions
from optuna.samplers._tpe.sampler import _split_trials, default_gamma
from optuna.trial import TrialState, create_trial

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "libs/ml/src/tuning/__fixtures__/optuna-tpe.json"

SPACE = {
    "max_depth": IntDistribution(3, 10),
    "learning_rate": FloatDistribution(0.01, 0.3, log=True),
    "n_estimators": IntDistribution(50, 300),
    "subsample": FloatDistribution(0.6, 1.0),
    "gamma": FloatDistribution(0.0, 5.0),
    "reg_lambda": FloatDistribution(0.001, 10.0, log=True),
    "max_leaves": IntDistribution(2, 256, log=True),
    "frac": FloatDistribution(0.1, 0.9, step=0.05),
    "booster": CategoricalDistribution(["gbtree", "dart", "gblinear"]),
}


def dist_json(d):
    if isinstance(d, CategoricalDistribution):
        return {"type": "categorical", "choices": list(d.choices)}
    out = {"type": "int" if isinstance(d, IntDistribution) else "float", "low": d.low, "high": d.high}
    if d.log:
        out["log"] = True
    if isinstance(d, FloatDistribution) and d.step is not None:
        out["step"] = d.step
    return out


def make_trials(n, seed, n_pruned, n_fail, tied_values):
    rs = np.random.RandomState(seed)
    sampler = optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    trials = []
    for i in range(n):
        params = {}
        for name, d in SPACE.items():
            if isinstance(d, CategoricalDistribution):
                params[name] = d.choices[rs.randint(len(d.choices))]
            elif isinstance(d, IntDistribution):
                if d.log:
                    params[name] = int(min(d.high, max(d.low, round(math.exp(rs.uniform(math.log(d.low), math.log(d.high)))))))
                else:
                    params[name] = int(rs.randint(d.low, d.high + 1))
            elif d.step is not None:
                k = rs.randint(0, int(round((d.high - d.low) / d.step)) + 1)
                params[name] = float(d.low + k * d.step)
            elif d.log:
                params[name] = float(math.exp(rs.uniform(math.log(d.low), math.log(d.high))))
            else:
                params[name] = float(rs.uniform(d.low, d.high))
        # a smooth objective plus noise; optionally rounded so that values tie
        value = 0.85 - 0.02 * (params["max_depth"] - 6) ** 2 / 16 - 0.05 * abs(math.log(params["learning_rate"] / 0.08)) + 0.01 * rs.randn()
        if tied_values:
            value = round(value, 2)
        steps = int(rs.randint(5, 40))
        curve = {s: float(value - 0.1 * math.exp(-s / 8) + 0.002 * rs.randn()) for s in range(steps)}
        if i < n_pruned:
            state, v = TrialState.PRUNED, None
            curve = {s: curve[s] for s in range(min(steps, int(rs.randint(1, 12))))}
        elif i < n_pruned + n_fail:
            state, v, curve = TrialState.FAIL, None, {}
        else:
            state, v = TrialState.COMPLETE, float(value)
        trials.append(create_trial(state=state, value=v, params=params, distributions=SPACE, intermediate_values=curve))
    # shuffle so that states are mixed in trial order
    order = rs.permutation(len(trials))
    for k in order:
        study.add_trial(trials[k])
    return study


def record_case(name, study, cand_seed):
    sampler = optuna.samplers.TPESampler(seed=0)
    pe_params = sampler._parzen_estimator_parameters
    finished = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED), use_cache=False)
    n = len(finished)
    below, above = _split_trials(study, finished, default_gamma(n), False)
    case = {
        "name": name,
        "trials": [
            {
                "number": t.number,
                "state": t.state.name,
                "value": t.value,
                "params": t.params,
                "intermediate": [[int(s), float(v)] for s, v in sorted(t.intermediate_values.items())],
            }
            for t in study.trials
        ],
        "gamma": default_gamma(n),
        "below": [t.number for t in below],
        "above": [t.number for t in above],
        "params": {},
    }
    for pname, d in SPACE.items():
        space = {pname: d}
        obs = {}
        for part, ts in (("below", below), ("above", above)):
            obs[part] = {pname: np.asarray([d.to_internal_repr(t.params[pname]) for t in ts if pname in t.params])}
        mpe_b = _ParzenEstimator(obs["below"], space, pe_params)
        mpe_a = _ParzenEstimator(obs["above"], space, pe_params)
        if isinstance(d, CategoricalDistribution):
            points = np.arange(len(d.choices), dtype=float)
        elif isinstance(d, IntDistribution):
            points = np.unique(np.round(np.linspace(d.low, d.high, 9))).astype(float)
        elif d.step is not None:
            points = d.low + d.step * np.arange(0, int(round((d.high - d.low) / d.step)) + 1, 3)
        elif d.log:
            points = np.exp(np.linspace(math.log(d.low), math.log(d.high), 9))
        else:
            points = np.linspace(d.low, d.high, 9)
        rec = {"distribution": dist_json(d), "points": points.tolist()}
        for part, mpe in (("below", mpe_b), ("above", mpe_a)):
            mix = mpe._mixture_distribution
            dd = mix.distributions[0]
            est = {"weights": mix.weights.tolist(), "logPdf": mpe.log_pdf({pname: points}).tolist()}
            if isinstance(dd, _BatchedCategoricalDistributions):
                est["choiceWeights"] = dd.weights.ravel().tolist()
            else:
                est["mus"] = dd.mu.tolist()
                est["sigmas"] = dd.sigma.tolist()
            rec[part] = est
        cands = mpe_b.sample(np.random.RandomState(cand_seed), 24)
        acq = mpe_b.log_pdf(cands) - mpe_a.log_pdf(cands)
        best = int(np.argmax(acq))
        # the sampler's own choice with the same random state must be that candidate
        sampler._rng.rng.seed(cand_seed)
        chosen = sampler._sample(study, None, space)[pname]
        expected = d.to_external_repr(cands[pname][best])
        assert chosen == expected, (name, pname, chosen, expected)
        rec["candidates"] = cands[pname].tolist()
        rec["acquisition"] = acq.tolist()
        rec["chosen"] = best
        case["params"][pname] = rec
    return case


def record_pruner():
    rs = np.random.RandomState(7)
    study = optuna.create_study(direction="maximize")
    for i in range(7):
        steps = int(rs.randint(4, 12))
        curve = {s: float(0.7 + 0.02 * s + 0.03 * rs.randn()) for s in range(steps)}
        if i == 3:
            curve[2] = float("nan")
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=curve[steps - 1], intermediate_values=curve))
    completed = [
        {"number": t.number, "value": t.value, "intermediate": [[int(s), float(v)] for s, v in sorted(t.intermediate_values.items())]}
        for t in study.trials
    ]
    pruner_cases = []
    for options in ({}, {"n_startup_trials": 10}, {"n_warmup_steps": 3}, {"n_warmup_steps": 1, "interval_steps": 3}):
        pruner = MedianPruner(**options)
        for k in range(12):
            steps = int(rs.randint(1, 12))
            base = 0.64 + 0.1 * rs.rand()
            curve = {s: float(base + 0.02 * s + 0.02 * rs.randn()) for s in range(steps)}
            if k == 5:
                curve = {s: float("nan") for s in range(steps)}
            if k == 6 and steps > 2:
                del curve[steps - 2]  # a gap before the last step
            running = create_trial(state=TrialState.PRUNED, value=None, intermediate_values=curve)
            pruner_cases.append(
                {
                    "options": options,
                    "intermediate": [[int(s), v] for s, v in sorted(curve.items())],
                    "prune": bool(pruner.prune(study, running)),
                }
            )
    # the study's first 3 completed trials only: below n_startup_trials=5 nothing is pruned
    return {"completed": completed, "cases": pruner_cases}


def nan_to_str(o):
    if isinstance(o, float) and math.isnan(o):
        return "NaN"
    if isinstance(o, dict):
        return {k: nan_to_str(v) for k, v in o.items()}
    if isinstance(o, list):
        return [nan_to_str(v) for v in o]
    return o


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    cases = [
        record_case("12 complete (flat weights)", make_trials(12, 1, 0, 0, False), 11),
        record_case("40 complete (ramp weights above)", make_trials(40, 2, 0, 0, False), 12),
        record_case("60 with pruned, failed and tied values", make_trials(60, 3, 9, 3, True), 13),
        record_case("2 complete + 28 pruned (pruned fill the below set)", make_trials(30, 4, 28, 0, False), 14),
    ]
    out = {
        "optuna": optuna.__version__,
        "numpy": np.__version__,
        "note": "recorded by compat/tuning/record_tpe.py from Optuna internals (_ParzenEstimator, _split_trials, TPESampler._sample)",
        "cases": cases,
        "pruner": record_pruner(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(nan_to_str(out)) + "\n")
    print(f"wrote {OUT} (optuna {optuna.__version__})")


if __name__ == "__main__":
    main()
