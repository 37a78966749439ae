"""What an import keeps between chunks, in a size that does not grow with the file.

- `FileIndex`: what earlier rows of the file hold (company keys, phones, e-mails, deals,
  contacts, follow-ups) as 8-byte digests in a private temporary SQLite file (the stdlib
  module, not Django's connection: it takes no part in the import's transaction, works the
  same on PostgreSQL, and vanishes with the process). Keys added by the current chunk stay in
  a dict until the chunk is done. A fixed 4 MB Bloom filter answers most look-ups (keys never
  seen) without asking the file.
- `IdRuns`: the ids an import created, as runs [first, last] (ids from one INSERT … RETURNING
  are consecutive, so 100,000 new customers are a handful of runs).
- `PlanCache`: the preview's cleaned rows, one JSON line per chunk in a file next to the
  upload, so that the commit plans from them instead of reading and cleaning the file again.
"""

import bisect
import hashlib
import json
import os
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from salestrack.core.names import company_block, company_block_range, company_numbers

CACHE_VERSION = 2
BLOOM_BITS = 1 << 25


def digest(*parts: Any) -> int:
    """A signed 64-bit digest of the parts (blake2b): what the file index stores."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


class FileIndex:
    """digest → (row number, ref, new): "seen earlier in the file", looked up row by row.

    `ref` is a record id (or, within the current chunk, the not yet written record itself);
    `new` says the file creates that record."""

    def __init__(self) -> None:
        # "" = a private temporary on-disk database, deleted when closed; a small page cache
        # so that its pages spill to that file instead of growing in memory.
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.execute("PRAGMA cache_size=-1024")
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(
            "CREATE TABLE seen (k INTEGER PRIMARY KEY, row INTEGER NOT NULL, ref INTEGER, "
            "new INTEGER NOT NULL)"
        )
        self.fresh: dict[int, list] = {}  # added by the current chunk
        # Company keys of earlier rows, for fuzzy matching within the file: filed under their
        # block (first character, length; core.names.company_block), indexed, so that a row
        # fetches only the keys of the blocks its similar keys fall in. Keys with digits are
        # left out (core.names.company_numbers: matched exactly only).
        self.db.execute(
            "CREATE TABLE names (head TEXT NOT NULL, len INTEGER NOT NULL, k TEXT NOT NULL, "
            "row INTEGER NOT NULL, name TEXT NOT NULL)"
        )
        self.db.execute("CREATE INDEX names_block ON names (head, len)")
        self.fresh_names: dict[tuple[str, int], dict[str, tuple[int, str]]] = {}
        # ... and the keys themselves per block, in memory: scoring a block's keys in one
        # rapidfuzz call is the cheap part, fetching them from the file for every row was not
        # (~75 bytes per distinct company of the file: the one thing kept that grows with it).
        self.block_keys: dict[tuple[str, int], list[str]] = defaultdict(list)
        # Bloom filter over every key in the file: 2**25 bits, 3 probes from the digest's bits
        # (1,000,000 keys: ~0.06 % of new keys asked of the file for nothing).
        self.bits = bytearray(BLOOM_BITS // 8)

    @staticmethod
    def _probes(key: int) -> tuple[int, int, int]:
        key &= (1 << 64) - 1
        mask = BLOOM_BITS - 1
        return key & mask, (key >> 21) & mask, (key >> 42) & mask

    def _maybe(self, key: int) -> bool:
        bits = self.bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in self._probes(key))

    def get(self, key: int) -> list | None:
        found = self.fresh.get(key)
        if found is not None:
            return found
        if not self._maybe(key):
            return None
        row = self.db.execute("SELECT row, ref, new FROM seen WHERE k = ?", (key,)).fetchone()
        return list(row) if row else None

    def add(self, key: int, row: int, ref: Any = None, *, new: bool = False) -> None:
        """Remember the first row with this key (later ones do not replace it)."""
        if self.get(key) is None:
            self.fresh[key] = [row, ref, int(new)]

    def flush(self) -> None:
        """End of a chunk: its keys go to the file (a record written by now, by its id)."""
        rows = []
        bits = self.bits
        for key, (row, ref, new) in self.fresh.items():
            ref = getattr(ref, "pk", ref)
            rows.append((key, row, ref, new))
            for p in self._probes(key):
                bits[p >> 3] |= 1 << (p & 7)
        self.db.executemany("INSERT INTO seen (k, row, ref, new) VALUES (?, ?, ?, ?)", rows)
        self.fresh = {}
        self.db.executemany(
            "INSERT INTO names (head, len, k, row, name) VALUES (?, ?, ?, ?, ?)",
            (
                (head, length, key, row, name)
                for (head, length), keys in self.fresh_names.items()
                for key, (row, name) in keys.items()
            ),
        )
        for block, keys in self.fresh_names.items():
            self.block_keys[block].extend(keys)
        self.fresh_names = {}

    def add_name(self, key: str, row: int, name: str) -> None:
        """Remember a row's company key (and name as written) for `similar_name`; the first row
        with a key is kept."""
        if key and not company_numbers(key):
            self.fresh_names.setdefault(company_block(key), {}).setdefault(key, (row, name))

    def similar_name(self, key: str, threshold: float) -> tuple[int, str, int] | None:
        """The earlier row (row, name, score) whose company key is most similar to `key` at
        or above `threshold` (rapidfuzz ratio, as Lookups.fuzzy compares with the database),
        among the keys of its blocks only; None when there is none. A key with digits in it
        is matched exactly only: one digit more or less is another company or another
        identifier ("公司1" / "公司10", time-based UUIDs used as names)."""
        if not key or company_numbers(key):
            return None
        head, low, high = company_block_range(key)
        # Keys are distinct: a row with a key seen before is an exact duplicate, never added.
        best = None
        for length in range(low, high + 1):
            fresh = self.fresh_names.get((head, length))
            for keys in (self.block_keys.get((head, length)), list(fresh) if fresh else None):
                if not keys:
                    continue
                found = process.extractOne(
                    key, keys, scorer=fuzz.ratio, score_cutoff=threshold, processor=None
                )
                if found is not None and (best is None or found[1] > best[1]):
                    best = found
                    threshold = found[1]  # later blocks must do better
        if best is None or best[0] == key:
            return None
        found = self.fresh_names.get(company_block(best[0]), {}).get(best[0])
        if found is None:
            found = self.db.execute(
                "SELECT row, name FROM names WHERE head = ? AND len = ? AND k = ?",
                (*company_block(best[0]), best[0]),
            ).fetchone()
        return found[0], found[1], int(best[1])

    def close(self) -> None:
        self.db.close()


class IdRuns:
    """Ids appended in order, kept as runs of consecutive ids: [[first, last], ...]."""

    def __init__(self, runs: list | None = None) -> None:
        self.runs: list[list[int]] = runs if runs is not None else []
        self.count = sum(last - first + 1 for first, last in self.runs)

    def extend(self, ids: Iterable[int]) -> None:
        runs = self.runs
        for pk in ids:
            if runs and runs[-1][1] + 1 == pk:
                runs[-1][1] = pk
            else:
                runs.append([pk, pk])
            self.count += 1

    def __contains__(self, pk: int) -> bool:
        at = bisect.bisect_right(self.runs, [pk, float("inf")]) - 1
        return at >= 0 and self.runs[at][0] <= pk <= self.runs[at][1]


def iter_ids(stored: list) -> Iterator[int]:
    """The ids of an undo list: runs [first, last] (this version) or plain ids (older ones)."""
    for item in stored or []:
        if isinstance(item, list):
            yield from range(item[0], item[1] + 1)
        else:
            yield item


def id_chunks(stored: list, size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in iter_ids(stored):
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def id_count(stored: list) -> int:
    return sum(item[1] - item[0] + 1 if isinstance(item, list) else 1 for item in stored or [])


def file_stamp(path: Path | str) -> list[int]:
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


class PlanCacheWriter:
    """Written by the preview: a header line (what the rows were cleaned with), one line per
    chunk of [row number, cleaned values per mapped column, errors], an end line. Written to
    a temporary name and renamed when complete, so a half-written cache is never read."""

    def __init__(self, path: Path, header: dict) -> None:
        self.path = Path(path)
        # A name of its own: two previews of one batch at once never write into one file.
        self.tmp = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex}.tmp")
        self.handle = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115 (closed in finish)
        self.handle.write(json.dumps({"v": CACHE_VERSION, **header}) + "\n")

    def chunk(self, entries: list) -> None:
        self.handle.write(json.dumps(entries, ensure_ascii=False, separators=(",", ":")) + "\n")

    def finish(self, trailer: dict) -> None:
        self.handle.write(json.dumps({"end": True, **trailer}) + "\n")
        self.handle.close()
        os.replace(self.tmp, self.path)

    def abandon(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def plan_cache_open(path: Path | str | None, expected: dict) -> tuple[dict, Iterator[list]] | None:
    """(header, entries) of a complete cache written for `expected` (file stamp and options),
    or None: then the file is read and cleaned again."""
    if path is None or not Path(path).exists():
        return None
    handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the generator)
    try:
        header = json.loads(handle.readline() or "{}")
    except ValueError:
        header = {}
    if header.get("v") != CACHE_VERSION or any(
        json.dumps(header.get(k), sort_keys=True) != json.dumps(v, sort_keys=True)
        for k, v in expected.items()
    ):
        handle.close()
        return None

    def entries() -> Iterator[list]:
        with handle:
            for line in handle:
                data = json.loads(line)
                if isinstance(data, dict):
                    header["trailer"] = data
                    return
                yield from data
        raise ValueError("the preview's plan cache ends early")

    return header, entries()
