"""dcaudit batch end to end: generated bodies on loopback, one unreachable, one whose
robots.txt disallows everything, audited on a local Dask cluster; the league table,
groupings, the unreachable row, every body a normal run, and batches stopped part-way (on
the cluster and one body after another) resumed without redoing finished bodies."""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dcaudit.batch import runner
from dcaudit.batch.bodies import Body, read_bodies
from dcaudit.batch.cluster import Dispatcher, dask_client
from dcaudit.batch.job import BatchInterrupted, BatchJob
from dcaudit.batch.ledger import DONE, INTERRUPTED, PENDING, UNREACHABLE, BatchBody, Ledger
from dcaudit.batch.transfer import BodyTask
from dcaudit.cli import main
from dcaudit.config import load_settings
from dcaudit.demo.bodies import BodySite, GeneratedBodies
from dcaudit.pipeline import run_audit
from dcaudit.store import Store

SPECS = [
    BodySite("Alpha Council", applications=3, consultations=2, paper_forms=1),
    BodySite("Beta Council", applications=1, paper_forms=2, information=3),
    BodySite("Gamma Trust", paper_forms=3, information=2),
    BodySite("Delta Council", consultations=2, applications=2, information=1),
    BodySite("Robots Trust", applications=2, robots_block=True),
]
SECTOR = {
    "Alpha Council": "council",
    "Beta Council": "council",
    "Delta Council": "council",
    "Gamma Trust": "health",
    "Robots Trust": "health",
    "Closed Board": "health",
}
LIMITS = ["--no-browser", "--delay", "0", "--max-pages", "40", "-q"]
IN_TURN = ("--workers", "1")  # one body after another, without Dask


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def bodies() -> Iterator[dict[str, str]]:
    with GeneratedBodies(SPECS) as served:
        urls = dict(served.urls)
        urls["Closed Board"] = f"http://127.0.0.1:{closed_port()}/"
        yield urls


def write_csv(folder: Path, urls: dict[str, str]) -> Path:
    path = folder / "bodies.csv"
    lines = ["name,url,sector,note"]
    lines += [f"{name},{url},{SECTOR[name]},kept as is" for name, url in urls.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def batch(folder: Path, *extra: str) -> Any:
    args = ["batch", str(folder / "bodies.csv"), "--out", str(folder / "out"), *LIMITS, *extra]
    return CliRunner().invoke(main, args)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local Dask cluster of two worker processes on 127.0.0.1, for the whole module."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None would still bind port 8787
    ) as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture(scope="module")
def done(bodies: dict[str, str], scheduler: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch")
    write_csv(folder, bodies)
    result = batch(folder, "--scheduler", scheduler)
    assert result.exit_code == 0, result.output
    return folder


def test_league_table_order_and_intervals(done: Path) -> None:
    data = json.loads((done / "out" / "comparison.json").read_text(encoding="utf-8"))
    assert data["schema"] == "dcaudit/comparison/v1"
    ranked = [r for r in data["league"] if r["ranked"]]
    # Delta 4/4 two-way, Alpha 5/6, Beta 1/3, Gamma none
    assert [r["name"] for r in ranked] == [
        "Delta Council",
        "Alpha Council",
        "Beta Council",
        "Gamma Trust",
    ]
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
    for row in ranked:
        low, high = row["rank_interval"]
        assert low <= row["rank"] <= high
        share_low, share_high = row["two_way_share_interval"]
        assert share_low <= row["figures"]["two_way_share"] <= share_high
    gamma = ranked[-1]
    assert gamma["figures"]["two_way_share"] == 0.0
    assert gamma["figures"]["digital_layer_share"] == 1.0
    assert ranked[1]["four_cos"]["co_delivery"] == 3  # Alpha's three applications
    assert ranked[1]["groups"] == {"sector": "council", "note": "kept as is"}


def test_unreachable_and_robots_rows(done: Path) -> None:
    data = json.loads((done / "out" / "comparison.json").read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in data["league"]}
    closed = rows["Closed Board"]
    assert not closed["ranked"] and closed["status"] == UNREACHABLE
    assert closed["note"].startswith("unreachable: cannot reach")
    robots = rows["Robots Trust"]
    assert not robots["ranked"] and robots["coverage"]["robots_blocked"] >= 1
    assert robots["note"] == "robots.txt disallows every page: nothing crawled"
    assert [r["name"] for r in data["league"]][-2:] == ["Robots Trust", "Closed Board"]


def test_groupings_by_extra_columns(done: Path) -> None:
    data = json.loads((done / "out" / "comparison.json").read_text(encoding="utf-8"))
    sector = {g["value"]: g for g in data["groups"]["sector"]}
    assert sector["council"]["bodies"] == 3 and sector["council"]["ranked"] == 3
    assert sector["health"]["bodies"] == 3 and sector["health"]["ranked"] == 1
    assert sector["health"]["not_ranked"] == 2
    assert sector["health"]["mean_two_way_share"] == 0.0
    assert set(data["groups"]) == {"sector", "note"}
    rows = list(csv.DictReader(io.StringIO((done / "out" / "groups.csv").read_text())))
    assert {(r["column"], r["value"]) for r in rows} >= {
        ("sector", "council"),
        ("sector", "health"),
    }


def test_csv_html_and_method(done: Path) -> None:
    out = done / "out"
    rows = list(csv.DictReader(io.StringIO((out / "comparison.csv").read_text())))
    assert rows[0]["name"] == "Delta Council"
    assert rows[-1]["name"] == "Closed Board" and rows[-1]["rank"] == ""
    assert rows[0]["sector"] == "council"
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page
    assert "src=" not in page and "@import" not in page  # self-contained
    assert "Closed Board" in page and "unreachable: cannot reach" in page
    assert 'class="heat heat-4">3<' in page or 'class="heat heat-4">4<' in page
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    method = data["method"]
    assert method["limits"]["max_pages"] == 40 and method["limits"]["browser"] is False
    assert method["rule_packs"] and method["bootstrap"]["resamples"] == 200


def test_each_body_is_a_normal_run(done: Path) -> None:
    out = done / "out"
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    run_id = data["league"][0]["run_id"]
    result = CliRunner().invoke(
        main,
        ["report", run_id, "--store", str(out / "dcaudit.sqlite"), "--out", str(done / "one")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((done / "one" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["id"] == run_id


def test_bad_bodies_files_are_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = {
        "name,site\nA,http://127.0.0.1:1/\n": "missing column(s) url",
        "name,url\nA,ftp://example\n": "line 2: bad URL for 'A'",
        "name,url\nA,http://127.0.0.1:1/\nA,http://127.0.0.1:2/\n": "also on line 2",
    }
    for text, expected in cases.items():
        (tmp_path / "bodies.csv").write_text(text, encoding="utf-8")
        result = batch(tmp_path)
        assert result.exit_code == 2
        assert expected in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_stopped_batch_resumes_without_redoing_bodies(
    bodies: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {name: bodies[name] for name in ("Alpha Council", "Beta Council", "Closed Board")}
    write_csv(tmp_path, urls)
    real = run_audit

    def stop_beta(settings: Any, seeds: Any, **kwargs: Any) -> Any:
        if seeds == [urls["Beta Council"]]:

            def interrupt(progress: Any) -> None:
                signal.raise_signal(signal.SIGTERM)  # `kill` in the middle of Beta's crawl

            kwargs["progress"] = interrupt
        return real(settings, seeds, **kwargs)

    monkeypatch.setattr("dcaudit.batch.job.run_audit", stop_beta)
    stopped = batch(tmp_path, *IN_TURN)
    assert stopped.exit_code == 130, stopped.output
    assert "--resume b" in stopped.output
    store = tmp_path / "out" / "dcaudit.sqlite"
    with Ledger(store) as ledger:
        first = ledger.all()[-1]
    states = {b.body.name: (b.status, b.run_id) for b in first.bodies}
    assert states["Alpha Council"][0] == DONE and states["Beta Council"][0] == INTERRUPTED
    monkeypatch.setattr("dcaudit.batch.job.run_audit", real)
    resumed = batch(tmp_path, "--resume", first.id, *IN_TURN)
    assert resumed.exit_code == 0, resumed.output
    with Ledger(store) as ledger:
        after = {b.body.name: b for b in ledger.get(first.id).bodies}
    assert after["Alpha Council"].run_id == states["Alpha Council"][1]  # not redone
    assert after["Beta Council"].run_id == states["Beta Council"][1]  # resumed, same run
    assert after["Beta Council"].status == DONE and after["Closed Board"].status == UNREACHABLE
    with Store(store, create=False) as db:
        assert len([r for r in db.list_runs() if r.seeds == (urls["Alpha Council"],)]) == 1
        assert db.get_run(after["Beta Council"].run_id or "").status.value == "complete"


def test_trends_over_two_batches(bodies: dict[str, str], tmp_path: Path) -> None:
    write_csv(tmp_path, {name: bodies[name] for name in ("Alpha Council", "Gamma Trust")})
    assert batch(tmp_path, *IN_TURN).exit_code == 0
    assert batch(tmp_path, *IN_TURN).exit_code == 0  # the same batch, run again later
    data = json.loads((tmp_path / "out" / "comparison.json").read_text(encoding="utf-8"))
    points = {t["name"]: t["points"] for t in data["trends"]}
    assert [len(p) for p in points.values()] == [2, 2]
    assert [p["rank"] for p in points["Alpha Council"]] == [1, 1]
    assert points["Gamma Trust"][-1]["two_way_share"] == 0.0
    out = tmp_path / "trends"
    store = tmp_path / "out" / "dcaudit.sqlite"
    result = CliRunner().invoke(main, ["trends", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "trends.csv").read_text())))
    assert len(rows) == 4 and {r["name"] for r in rows} == {"Alpha Council", "Gamma Trust"}
    assert "Alpha Council over time" in (out / "trends.html").read_text(encoding="utf-8")
    missing = CliRunner().invoke(main, ["trends", "--out", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "no store at" in missing.output


def test_batch_stopped_on_the_cluster_resumes_on_a_new_one(
    bodies: dict[str, str], scheduler: str, tmp_path: Path
) -> None:
    names = ("Alpha Council", "Gamma Trust", "Closed Board")
    write_csv(tmp_path, {name: bodies[name] for name in names})
    csv_path = tmp_path / "bodies.csv"
    listed, columns = read_bodies(csv_path)
    given = {"out_dir": str(tmp_path / "out"), "delay": 0.0, "browser": False, "max_pages": 40}
    settings = load_settings(given, environ={}, cwd=tmp_path)
    job = BatchJob(csv_path, listed, columns, settings, scheduler=scheduler)

    def ctrl_c_after_the_first_body(message: str) -> None:
        if message.startswith("[1/"):
            raise KeyboardInterrupt  # Ctrl-C as the first result is stored

    with pytest.raises(BatchInterrupted) as stopped:
        runner.run_batch(job, ctrl_c_after_the_first_body)
    store = tmp_path / "out" / "dcaudit.sqlite"
    with Ledger(store) as ledger:
        first = ledger.get(stopped.value.batch_id)
    assert first.status == INTERRUPTED
    finished = [b for b in first.bodies if b.status != PENDING]
    assert len(finished) == 1 and finished[0].run_id is not None
    # resumed on a cluster of dcaudit's own making; the finished body is not redone
    resumed = batch(tmp_path, "--resume", first.id, "--workers", "2")
    assert resumed.exit_code == 0, resumed.output
    with Ledger(store) as ledger:
        after = {b.body.name: b for b in ledger.get(first.id).bodies}
    assert after[finished[0].body.name].run_id == finished[0].run_id
    assert {b.status for n, b in after.items() if n != "Closed Board"} == {DONE}
    assert after["Closed Board"].status == UNREACHABLE and after["Closed Board"].run_id
    with Store(store, create=False) as db:
        runs = db.list_runs()
        assert sorted(r.seeds[0] for r in runs) == sorted(bodies[name] for name in names)
        alpha = after["Alpha Council"].run_id or ""
        assert db.get_run(alpha).settings["store"] == str(store)  # not the worker's own
        assert db.page_count(alpha) > 0 and db.page_body(alpha, bodies["Alpha Council"])


def test_one_body_of_a_host_at_a_time(bodies: dict[str, str], scheduler: str) -> None:
    alpha, beta = bodies["Alpha Council"], bodies["Beta Council"]
    urls = [("Alpha", alpha), ("Alpha apply", alpha + "apply/1/"), ("Beta", beta)]
    settings = load_settings({"delay": 0.0, "browser": False, "max_pages": 3}, environ={})
    tasks = [
        (BatchBody(Body(name, url), n), BodyTask(name, url, settings.to_dict()))
        for n, (name, url) in enumerate(urls)
    ]
    with dask_client(2, scheduler) as client:
        dispatcher = Dispatcher(client, tasks)
        order = []
        for entry, result in dispatcher.results():
            if not order:  # while the first ran: Alpha and Beta, Alpha's second body waiting
                assert [e.body.name for e, _ in dispatcher.waiting] == ["Alpha apply"]
            order.append((entry.body.name, result.status, result.pages))
    assert sorted(order) == [("Alpha", DONE, 3), ("Alpha apply", DONE, 3), ("Beta", DONE, 3)]
