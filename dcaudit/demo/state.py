"""The demo council's back office: votes, reported problems, sessions and applications.

Each server gets its own :class:`DemoState`, seeded from ``seed.yaml``, so every test and demo
run starts from the same data. Request handlers run on several threads: every read and write
goes through one lock.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from typing import Any

import yaml

from dcaudit.errors import DcauditError

GARDEN_WASTE_FIELDS = ("full_name", "email", "phone", "address_line", "town", "postcode", "bins")
MAX_UPDATES_PER_REPORT = 50


@dataclass
class Report:
    reference: str
    type: str
    label: str
    location: str
    description: str
    reported: str
    status: str
    status_label: str
    council_note: str = ""
    updates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GardenWasteApplication:
    reference: str
    email: str
    bins: int
    cost: int
    session: str


@dataclass
class Project:
    id: str
    title: str
    summary: str
    cost: int
    votes: int


def load_seed() -> dict[str, Any]:
    """The starting data shipped in ``dcaudit/demo/seed.yaml``."""
    text = (files("dcaudit.demo") / "seed.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise DcauditError("dcaudit/demo/seed.yaml: expected a mapping at the top level")
    return data


class DemoState:
    """Everything the demo site remembers between requests (in memory only)."""

    def __init__(self, seed: Mapping[str, Any]) -> None:
        self._lock = threading.Lock()
        self._year = int(seed["reference_year"])
        self._next_number: dict[str, int] = {
            str(prefix): int(number) for prefix, number in seed["reference_start"].items()
        }
        self.problem_types: dict[str, dict[str, str]] = dict(seed["problem_types"])
        self.statuses: dict[str, str] = dict(seed["statuses"])
        self.price_per_bin = int(seed["garden_waste_price_per_bin"])
        self.account: dict[str, Any] = dict(seed["account"])
        self.bin_days: dict[str, str] = dict(seed["bin_days"])
        self._reports = [self._seed_report(item) for item in seed["reports"]]
        self._projects = [Project(**item) for item in seed["participatory_budget"]["projects"]]
        self._issued: set[str] = set()
        self._sessions: set[str] = set()
        self._answers: dict[str, dict[str, str]] = {}
        self._applications: dict[str, GardenWasteApplication] = {}

    def _seed_report(self, item: Mapping[str, Any]) -> Report:
        return Report(
            reference=item["reference"],
            type=item["type"],
            label=self.problem_types[item["type"]]["label"],
            location=item["location"],
            description=item["description"],
            reported=item["reported"],
            status=item["status"],
            status_label=self.statuses[item["status"]],
            council_note=item.get("council_note", ""),
            updates=list(item.get("updates", [])),
        )

    # references -------------------------------------------------------------------------

    def issue_reference(self, prefix: str) -> str:
        """The next reference for ``prefix``, such as GW-2026-004512."""
        with self._lock:
            number = self._next_number.get(prefix, 1)
            self._next_number[prefix] = number + 1
            reference = f"{prefix}-{self._year}-{number:06d}"
            self._issued.add(reference)
            return reference

    def was_issued(self, reference: str) -> bool:
        with self._lock:
            return reference in self._issued

    # reported problems ------------------------------------------------------------------

    def add_report(self, problem_type: str, location: str, description: str) -> Report:
        kind = problem_type if problem_type in self.problem_types else "pothole"
        reference = self.issue_reference(self.problem_types[kind]["prefix"])
        report = Report(
            reference=reference,
            type=kind,
            label=self.problem_types[kind]["label"],
            location=location,
            description=description,
            reported=_today(),
            status="reported",
            status_label=self.statuses["reported"],
        )
        with self._lock:
            self._reports.insert(0, report)
        return report

    def add_update(self, reference: str, text: str) -> bool:
        with self._lock:
            for report in self._reports:
                if report.reference == reference and len(report.updates) < MAX_UPDATES_PER_REPORT:
                    report.updates.append(text)
                    return True
        return False

    def reports(self, status: str = "") -> list[Report]:
        with self._lock:
            return [r for r in self._reports if not status or r.status == status]

    def find_report(self, reference: str) -> Report | None:
        with self._lock:
            return next((r for r in self._reports if r.reference == reference), None)

    # participatory budgeting ------------------------------------------------------------

    def projects(self) -> list[Project]:
        with self._lock:
            return [Project(**vars(p)) for p in self._projects]

    def vote(self, project_id: str) -> bool:
        with self._lock:
            for project in self._projects:
                if project.id == project_id:
                    project.votes += 1
                    return True
        return False

    # My account sessions ----------------------------------------------------------------

    def sign_in(self, email: str, password: str) -> str | None:
        """A new session token when the credentials match the seeded account."""
        email_ok = secrets.compare_digest(email.lower().encode(), self.account["email"].encode())
        password_ok = secrets.compare_digest(password.encode(), self.account["password"].encode())
        if not (email_ok and password_ok):
            return None
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions.add(token)
        return token

    def signed_in(self, token: str) -> bool:
        with self._lock:
            return token in self._sessions

    def sign_out(self, token: str) -> None:
        with self._lock:
            self._sessions.discard(token)

    # garden waste applications ----------------------------------------------------------

    def new_application_session(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._answers[token] = {}
        return token

    def answers(self, token: str) -> dict[str, str]:
        """Answers given so far in this session; every field present, blank when unanswered."""
        with self._lock:
            saved = self._answers.get(token, {})
            return {name: saved.get(name, "") for name in GARDEN_WASTE_FIELDS}

    def save_answers(self, token: str, answers: Mapping[str, str]) -> bool:
        with self._lock:
            if token not in self._answers:
                return False
            self._answers[token].update(
                {k: v for k, v in answers.items() if k in GARDEN_WASTE_FIELDS}
            )
            return True

    def submit_application(self, token: str) -> GardenWasteApplication | None:
        """Turn complete answers into an application with a reference; None if incomplete."""
        answers = self.answers(token)
        required = ("full_name", "email", "address_line", "postcode", "bins")
        if any(not answers[name] for name in required):
            return None
        bins = int(answers["bins"])
        reference = self.issue_reference("GW")
        application = GardenWasteApplication(
            reference=reference,
            email=answers["email"],
            bins=bins,
            cost=bins * self.price_per_bin,
            session=token,
        )
        with self._lock:
            self._applications[reference] = application
            self._answers[token] = {}
        return application

    def application(self, reference: str, token: str) -> GardenWasteApplication | None:
        """The application, shown only to the browser session that sent it."""
        with self._lock:
            found = self._applications.get(reference)
        return found if found is not None and found.session == token else None


def _today() -> str:
    today = date.today()
    return f"{today.day} {today:%B %Y}"
