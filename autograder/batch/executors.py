"""Grading on a Dask cluster: the batch's pool as a ``dask.distributed`` executor (optional extra).

Workers run :func:`autograder.batch.run.grade_task` and must see the same files as the machine that
starts the batch (shared storage), with nn-coursework installed; results come back to it, which
writes every output, so the gradebook is the one a local run gives.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Callable


def dask_executor(address: str, jobs: int) -> tuple[Executor, Callable[[], None]]:
    """An executor on the cluster at ``address`` ("local": ``jobs`` worker processes here), and a
    function that closes what was opened. Raises ImportError without dask.distributed."""
    from distributed import Client, LocalCluster

    if address == "local":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()
    else:
        client = Client(address)
        close = client.close
    return client.get_executor(pure=False), close
