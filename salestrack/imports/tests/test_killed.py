"""An import killed midway leaves nothing behind (a real process, a real SQLite file)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from salestrack.imports.tests.conftest import write_csv

SCRIPT = Path(__file__).with_name("killed_import.py")


def test_it_leaves_nothing_when_the_process_dies_midway(tmp_path):
    rows = [["公司名称", "联系人"]] + [[f"公司{i}", f"人{i}"] for i in range(500)]
    path = write_csv(tmp_path / "c.csv", rows)
    data = tmp_path / "data"
    env = {
        **os.environ,
        "SALESTRACK_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).parents[3],
    )
    assert done.returncode == 9, done.stderr
    assert "dying after 200 rows" in done.stdout
    with sqlite3.connect(data / "db.sqlite3") as db:
        assert db.execute("select count(*) from customers_customer").fetchone() == (0,)
        assert db.execute("select count(*) from customers_contact").fetchone() == (0,)
        assert db.execute("select status from imports_importbatch").fetchall() == [("running",)]
        assert db.execute(
            "select count(*) from audit_auditentry where object_type = 'imports.importbatch'"
        ).fetchone() == (0,)
