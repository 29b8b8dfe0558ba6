"""The benchmark's sandbox, in its own process so that its memory is not counted in the pipeline's peak.

``python -m bench.server --form fivew_monthly --n 1000000`` prints one JSON line (url, token, asset uid,
generation timings) once it listens, then serves until its standard input closes.

Three changes to the stock sandbox are applied here, in this process only, and reported by the bench
(they are the recommended changes to ``connectors/sandbox``; see bench/README.md):

* rows from a pool: the stock ``FormStore.row`` regenerates every answer of a row on each request
  (~270 µs per 5W row, so ~270 s of CPU for a million-row night, more than the whole time budget).
  ``PooledStore`` generates ``pool`` distinct rows once and serves row ``i`` as pool row ``i mod pool``
  with row ``i``'s own metadata (ids, uuids, submission time) and a site name made unique per row, so
  no two submissions are duplicate 5W lines, and reporting the month it was submitted in (so a
  million submissions a minute apart cover ~23 months, ~43,000 a month, as a national 5W would, rather
  than the pool's three months). Edited rows go through the stock path.
* metadata from a template (``PooledStore.pooled_meta``): the stock ``row_meta`` seeds a random generator
  per row (~30 µs), which made the reconcile pass over a million light rows wait ~30 s on the server.
  Each row's instance uuid and submission time are computed once, before serving, and held (a real
  server reads them from its store): the light rows of a reconcile pass then cost ~1 µs each to build.
  The uuids are scattered like the random ones phones write (``instance_uuid``), so the warehouse's key
  indexes take them in no particular order, as they would a real form's.
* ``{"_id": {"$in": [...]}}`` answered from the id array: the stock query path regenerates every row
  of the form to filter them, which makes re-fetching 1,000 edited rows of a million take minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from connectors.sandbox import Sandbox, kobo_api
from connectors.sandbox.store import FormStore
from connectors.synthetic import generate_row, row_meta


class PooledStore(FormStore):
    """A FormStore whose unedited rows are pool rows with their own metadata (see module doc)."""

    pool_size = 2000

    def __init__(self, form, n, seed=1, start=None, pool_size: int | None = None):
        if pool_size:
            self.pool_size = pool_size
        kwargs = {"start": start} if start else {}
        super().__init__(form, n, seed, **kwargs)
        self.pool = [generate_row(form, i, seed, self.start) for i in range(1, self.pool_size + 1)]
        self.template = row_meta(form, 1, seed, self.start)
        self.held: list[tuple[str, str] | None] = [None] * (n + 1)
        for index in range(1, n + 1):  # before serving, so every figure sees the same server
            self.ids(index)

    def ids(self, index: int) -> tuple[str, str]:
        """(instance uuid, submission time) of row ``index``, computed once and then held, as a server
        reads them from its store (a million take ~150 MB of this process, which the bench does not count)."""
        held = self.held[index] if index < len(self.held) else None
        if held is None:
            held = (instance_uuid(index, self.seed), self.kobo_time(index))
            if index < len(self.held):
                self.held[index] = held
        return held

    def pooled_meta(self, index: int) -> dict:
        """Row ``index``'s metadata from a template: its own ``_id``, instance uuid (derived from the
        index, not drawn from a seeded generator) and submission time (the stock ``row_meta`` takes ~30 µs
        a row: a reconcile pass over a million light rows would wait on it)."""
        instance, submitted = self.ids(index)
        return {**self.template, "meta/instanceID": f"uuid:{instance}", "meta/rootUuid": f"uuid:{instance}",
                "_id": index, "_uuid": instance, "_submission_time": submitted}

    def row(self, index: int) -> dict:
        if index in self.rows:
            return super().row(index)
        row = {**self.pool[(index - 1) % self.pool_size], **self.pooled_meta(index)}
        row["site"] = f"{row.get('site') or 'Site'} #{index}"
        row["reporting_month"] = row["_submission_time"][:10]  # partners report the month they submit in
        if index in self.validation:
            row["_validation_status"] = self.validation[index]
        return row

    def meta(self, index: int) -> dict:
        if index in self.rows:
            return self.row(index)
        meta = self.pooled_meta(index)
        if index in self.validation:
            meta["_validation_status"] = self.validation[index]
        return meta


UUID_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
UUID_V4_SET = (0x4000 << 64) | (0x8000 << 48)
_M64 = (1 << 64) - 1


def _mix64(z: int) -> int:
    """splitmix64's finaliser: a bijection of 64-bit numbers whose output bits all depend on every input bit."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def instance_uuid(index: int, seed: int) -> str:
    """A version-4 uuid for row ``index``, as ``str(uuid.UUID(int=..., version=4))`` writes it: unique per
    row and scattered like the random uuids phones write, so that the warehouse's key indexes see keys in
    no particular order (consecutive numbers would make every index insert an append)."""
    base = (seed * 0x9E3779B97F4A7C15) & _M64
    number = (_mix64((index + base) & _M64) << 64) | _mix64(((index ^ base) + 0x632BE59BD9B4E019) & _M64)
    text = "%032x" % (number & UUID_V4_CLEAR | UUID_V4_SET)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_stock_page = kobo_api._page


def _page_with_in(store, query, sort, start, limit, cheap):
    """``{"_id": {"$in": ids}}`` sorted by _id from the id array; everything else as the stock sandbox."""
    wanted = query.get("_id") if isinstance(query, dict) and set(query) == {"_id"} else None
    if not (isinstance(wanted, dict) and set(wanted) == {"$in"} and sort in ({"_id": 1}, {})):
        return _stock_page(store, query, sort, start, limit, cheap)
    row_of = store.meta if cheap else store.row
    with store.lock:
        ids = sorted({int(i) for i in wanted["$in"] if store.exists(int(i))})
        return len(ids), [row_of(i) for i in ids[start:start + limit]]


def start_sandbox(form_id: str, n: int, seed: int, pooled: bool = True, pool_size: int = 2000) -> tuple:
    """A started Sandbox serving ``n`` rows of ``form_id`` and the seconds spent building the pool."""
    began = time.perf_counter()
    sandbox = Sandbox(port=0, seed=seed, forms={form_id: 0})
    if pooled:
        stock = sandbox.state.stores[form_id]
        sandbox.state.stores[form_id] = PooledStore(stock.form, n, seed, stock.start, pool_size)
        kobo_api._page = _page_with_in
    else:
        sandbox.state.stores[form_id].add(n)
    return sandbox.start(), time.perf_counter() - began


def generation_rate(form_id: str, seed: int, n: int = 300) -> dict:
    """Microseconds per row of the stock generator and of the pooled store (for the report)."""
    stock = Sandbox(port=0, seed=seed, forms={form_id: n}).state.stores[form_id]
    pooled = PooledStore(stock.form, n, seed, stock.start, pool_size=50)
    out = {}
    for name, store in (("stock_us_per_row", stock), ("pooled_us_per_row", pooled)):
        began = time.perf_counter()
        for i in range(1, n + 1):
            store.row(i)
        out[name] = round((time.perf_counter() - began) / n * 1e6, 1)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("--form", default="fivew_monthly")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--stock", action="store_true", help="serve with the stock FormStore")
    args = parser.parse_args(argv)
    rates = generation_rate(args.form, args.seed)
    sandbox, setup = start_sandbox(args.form, args.n, args.seed, pooled=not args.stock)
    print(json.dumps({"url": sandbox.url, "token": sandbox.token, "asset_uid": sandbox.asset_uid(args.form),
                      "setup_seconds": round(setup, 2), **rates}), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
    sandbox.stop()


if __name__ == "__main__":
    main()
