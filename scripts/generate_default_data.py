"""Generate the embedded synthetic default study and its bulletin texts.

What is written and how: README "The default data (synthetic)".

All logic: countysurv.simulate and countysurv.simulate_texts.

Usage: python scripts/generate_default_data.py --out data --n-counties 76 --seed 20151129
The output is SIMULATED data (fake county codes 99xxxx); see <out>/truth.json.
"""

import argparse

from countysurv import simulate, simulate_texts  # scripts/ is on sys.path (the script's folder)
from countysurv.logs import run_main


def main(out: str, n_counties: int, seed: int) -> None:
    study, texts = simulate_texts.generate(out, n_counties=n_counties, seed=seed)
    outcome = study.truth["outcome"]
    print(f"wrote {n_counties} simulated bulletins, counties.csv, truth.json, "
          f"truth_covariates.csv and {len(texts)} bulletin texts to {out} (seed {seed}); "
          f"announced {outcome['n_announced']}/{n_counties} = {outcome['announced_share']:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--n-counties", type=int, default=simulate.DEFAULT_N_COUNTIES,
                        help=f"number of counties (default: {simulate.DEFAULT_N_COUNTIES})")
    parser.add_argument("--seed", type=int, default=simulate.DEFAULT_SEED,
                        help=f"random seed (default: {simulate.DEFAULT_SEED})")
    args = parser.parse_args()
    run_main(main, args.out, args.n_counties, args.seed)
