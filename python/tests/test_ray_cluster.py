"""Two Ray nodes on this one machine (ray.cluster_utils.Cluster, 1 CPU each, on loopback): the runs of a
grid are placed on both nodes, and the driver ends up with every run's complete results."""
import pytest

from fcdd_swift.grid import run_grid
from grid_support import relative_files, run_results, small
from ray_support import OBJECT_STORE_BYTES, worker_environment

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402


# Ray rewrites 127.0.0.1 in a cluster address to the machine's network address (unreachable here), but
# leaves other loopback addresses alone; all of 127.0.0.0/8 is loopback on Linux.
LOOPBACK = "127.0.0.2"


@pytest.fixture(scope="module")
def two_nodes():
    node = {"num_cpus": 1, "node_ip_address": LOOPBACK, "object_store_memory": OBJECT_STORE_BYTES,
            "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=dict(node))
    cluster.add_node(**{k: v for k, v in node.items() if k != "include_dashboard"})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, _node_ip_address=LOOPBACK, log_to_driver=False, runtime_env={"env_vars": worker_environment()})
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_runs_are_placed_on_both_nodes_and_complete(tmp_path, two_nodes):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    outcome = run_grid(small(tmp_path / "g", classes=[0, 1], epochs=3), ray=True, cpus_per_run=1)
    assert not outcome.failures
    assert len({r["node_id"] for r in outcome.results.values()}) == 2
    assert set(run_results(tmp_path / "g")) == {"normal_0/it_0", "normal_1/it_0"}
    files = relative_files(tmp_path / "g")
    for run in ("normal_0/it_0", "normal_1/it_0"):
        for name in ("config.json", "result.json", "roc.json", "snapshot.safetensors", "history.json", "log.txt"):
            assert f"{run}/{name}" in files
    assert "summary.json" in files and "roc.png" in files
