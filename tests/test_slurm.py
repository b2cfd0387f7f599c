"""The workflow through a real single-node Slurm cluster, byte-identical to the local run."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from conftest import REPO, make_toy_study, snakemake_cmd, venv_env

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

HARNESS = REPO / "tests" / "slurm"
PLUGINS = REPO / ".slurm-plugins"


@pytest.fixture(scope="module")
def slurm():
    """Start munged, slurmctld and slurmd on this machine; stop them afterwards."""
    if os.geteuid() != 0:
        pytest.skip("starting a Slurm cluster needs root (CI runs as root)")
    if not (PLUGINS / "snakemake_executor_plugin_slurm").is_dir():
        pytest.fail("the Slurm executor plugin is missing: run `make slurm-plugins`")
    proc = subprocess.run(["bash", str(HARNESS / "start_slurm.sh")], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield
    subprocess.run(["bash", str(HARNESS / "stop_slurm.sh")], capture_output=True, timeout=120)


def test_workflow_through_slurm_matches_local_run(slurm, tmp_path, toy_run):
    """From nothing to the bootstrap summary with the Slurm profile: the per-county ingestion
    jobs run on the submitting host (localrules: one Slurm job per county would cost 4-5 s each),
    everything after them goes through Slurm, and the results equal the local run's bytes."""
    local_work, codes, _ = toy_run
    work = tmp_path / "cluster"
    make_toy_study(work)
    cmd = snakemake_cmd(work, "--profile", str(HARNESS / "profile"),
                        "results/bootstrap/summary.csv")
    proc = subprocess.run(["timeout", "-k", "10", "900", *cmd], capture_output=True, text=True,
                          env=venv_env(PYTHONPATH=str(PLUGINS)))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert len(re.findall(r"^localrule ingest_bulletin:", out, re.M)) == len(codes), out[-4000:]
    assert not re.search(r"^rule ingest_bulletin:", out, re.M), out[-4000:]
    job_ids = re.findall(r"SLURM jobid (\d+)", out)
    submitted = re.findall(r"^rule (\w+):", out, re.M)
    assert sorted(set(submitted)) == ["bootstrap_chunk", "build_panel", "build_survival",
                                      "compute_covariates", "fit_cox", "fit_ols",
                                      "summarize_bootstrap"], out[-4000:]
    assert submitted.count("bootstrap_chunk") == 3   # 20 replicates in chunks of 8
    assert len(job_ids) == len(submitted) == 9, out[-4000:]
    accounting = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i %j %T"],
                                capture_output=True, text=True).stdout
    for job_id in job_ids:
        assert re.search(rf"^{job_id} \S+ COMPLETED$", accounting, re.M), accounting
    for path in ("results/panel/panel.parquet", "results/analysis/survival.parquet",
                 "results/bootstrap/summary.csv"):
        assert (work / path).read_bytes() == (local_work / path).read_bytes(), path
