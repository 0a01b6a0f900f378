"""Ray for the tests: at most 2 CPUs, every process on this machine and on loopback, workers that import
this very package and library, and nothing left running afterwards."""
import os

import pytest

import fcdd_swift as fs

OBJECT_STORE_BYTES = 200 * 2 ** 20


def worker_environment():
    """What Ray's workers need to import this checkout's package and library."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fs.__file__)))
    return {"PYTHONPATH": os.pathsep.join([package_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
            "FCDD_SWIFT_LIBRARY": fs._loader.LIBRARY_PATH}


def start_local_ray(num_cpus=2):
    ray = pytest.importorskip("ray")
    assert num_cpus <= 2
    ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=OBJECT_STORE_BYTES, log_to_driver=False,
             runtime_env={"env_vars": worker_environment()})
    return ray


@pytest.fixture(scope="module")
def local_ray():
    ray = start_local_ray()
    yield ray
    ray.shutdown()
