"""sitrep over a DataFrame of articles with Dask or Ray Data (columns id, text, published).

    python examples/scale/frames.py wire.jsonl out.jsonl      # Dask, a local cluster of processes

Each partition (Dask) or batch (Ray) is extracted by `extract_partition` in a worker process:
one row per article, its result as JSON (`ExtractionResult.model_validate_json` reads it
back) and its number of casualty figures. `extract_text` keeps no state between calls, so
the same function runs unchanged on one core, a local cluster or many machines.
"""

from __future__ import annotations

import sys

import pandas as pd

from agent import extract_text

MODEL = "rules"  # or a profile of your sitrep.toml: pass config= to extract_text
META = pd.DataFrame(
    {"id": pd.Series(dtype=object), "figures": pd.Series(dtype="int64"),
     "result": pd.Series(dtype=object)}
)  # fmt: skip


def extract_partition(frame: pd.DataFrame) -> pd.DataFrame:
    """One partition of articles -> one row per article: id, figures, result (JSON)."""
    rows = []
    for article_id, text, published in zip(
        frame["id"], frame["text"], frame["published"], strict=True
    ):
        day = published if isinstance(published, str) and published else None  # NaN: none
        result = extract_text(text, model=MODEL, published=day, article_id=str(article_id))
        rows.append(
            {"id": article_id, "figures": len(result.casualties),
             "result": result.model_dump_json()}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=META.columns).astype(META.dtypes.to_dict())


def with_dask(articles: pd.DataFrame, partitions: int = 4) -> pd.DataFrame:
    """Dask: `map_partitions` on whatever cluster the current Client points at."""
    import dask.dataframe as dd

    frame = dd.from_pandas(articles, npartitions=partitions)
    return frame.map_partitions(extract_partition, meta=META).compute()


def with_ray(articles: pd.DataFrame) -> pd.DataFrame:
    """Ray Data: `map_batches` over a Dataset, one pandas batch per task."""
    import ray

    dataset = ray.data.from_pandas(articles)
    return dataset.map_batches(extract_partition, batch_format="pandas").to_pandas()


if __name__ == "__main__":
    from dask.distributed import Client, LocalCluster

    wire = pd.read_json(sys.argv[1], lines=True, dtype={"id": str, "published": str})
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
    with cluster, Client(cluster):
        done = with_dask(wire)
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in done["result"])
