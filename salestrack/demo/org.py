"""The demo organisation (departments, teams, managers, reps, admin) and the product catalogue.

Teams, accounts and products that already exist (matched by name) are reused, so running the
seeder twice adds deals to the same organisation instead of a second one.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from salestrack.accounts.models import Team, User
from salestrack.accounts.services import team_create
from salestrack.deals.models import Product
from salestrack.demo import words as W

DEMO_PASSWORD = "demo12345"
DEMO_USERNAME = "demo"
ADMIN_USERNAME = "admin"


@dataclass
class DemoLogin:
    username: str
    display_name: str
    role: str
    team: str
    password: str | None  # None: the account existed before this run and was left alone


@dataclass
class DemoOrg:
    logins: list[DemoLogin]
    reps: list[User]
    reps_by_team: dict[int, list[User]] = field(default_factory=dict)
    territory: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # (province, city)


def person_name(rng: random.Random) -> tuple[str, str]:
    """(surname, given name); common surnames come up far more often, as in real life."""
    surname = W.SURNAMES[min(int(rng.paretovariate(1.2)) - 1, len(W.SURNAMES) - 1)]
    return surname, rng.choice(W.GIVEN_NAMES)


def _team_get_or_create(name: str, parent: Team | None) -> Team:
    return Team.objects.filter(name=name, parent=parent).first() or team_create(
        name=name, parent=parent
    )


def org_create(*, rng: random.Random, n_reps: int, joined: datetime) -> DemoOrg:
    """W.ORG's departments and teams, one manager per department (`demo` runs the first one),
    `n_reps` reps spread over the teams, and `admin`. The first rep of each team, the managers
    and `admin` get DEMO_PASSWORD; other reps cannot log in."""
    planned: list[tuple[User, bool]] = []  # (user, gets the demo password)
    teams: list[Team] = []
    territory: dict[int, list[tuple[str, str]]] = {}

    def plan(username: str, role: str, team: Team | None, with_password: bool) -> None:
        surname, given = person_name(rng)
        planned.append(
            (
                User(
                    username=username,
                    role=role,
                    team=team,
                    display_name="系统管理员" if role == User.Role.ADMIN else surname + given,
                    last_name=surname,
                    first_name=given,
                    email=f"{username}@example.com",
                    is_staff=role == User.Role.ADMIN,
                    is_superuser=role == User.Role.ADMIN,
                    date_joined=joined - timedelta(days=rng.randint(0, 90)),
                ),
                with_password,
            )
        )

    plan(ADMIN_USERNAME, User.Role.ADMIN, None, True)
    for number, (department_name, slug, team_specs) in enumerate(W.ORG):
        department = _team_get_or_create(department_name, None)
        plan(DEMO_USERNAME if number == 0 else f"mgr_{slug}", User.Role.MANAGER, department, True)
        for team_name, cities in team_specs:
            team = _team_get_or_create(team_name, department)
            teams.append(team)
            territory[team.pk] = cities
    width = max(2, len(str(n_reps)))
    for i in range(n_reps):
        plan(f"rep{i + 1:0{width}d}", User.Role.REP, teams[i % len(teams)], i < len(teams))

    existing = {
        u.username: u
        for u in User.objects.filter(username__in=[u.username for u, _ in planned]).select_related(
            "team"
        )
    }
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    new_users = []
    for user, with_password in planned:
        if user.username not in existing:
            user.password = password_hash if with_password else make_password(None)
            new_users.append(user)
    User.objects.bulk_create(new_users)
    created = {u.username for u in new_users}

    org = DemoOrg(logins=[], reps=[], territory=territory)
    for planned_user, with_password in planned:
        user = existing.get(planned_user.username, planned_user)
        if user.role == User.Role.REP and user.team_id in territory:
            org.reps.append(user)
            org.reps_by_team.setdefault(user.team_id, []).append(user)
        if with_password:
            org.logins.append(
                DemoLogin(
                    username=user.username,
                    display_name=user.display_name,
                    role=user.role,
                    team=user.team.name if user.team else "",
                    password=DEMO_PASSWORD if user.username in created else None,
                )
            )
    if not org.reps:
        raise ValueError("No demo reps: their usernames belong to users outside the demo teams.")
    return org


@dataclass
class CatalogueItem:
    product: Product
    title_word: str  # how a deal title names it; "" for services that only ride along
    quantity: tuple[int, int]
    weight_by_size: tuple[int, int, int]  # as the main product: small, medium, large customers

    @property
    def is_service(self) -> bool:
        return not self.title_word


def products_get_or_create() -> list[CatalogueItem]:
    existing = {p.name: p for p in Product.objects.filter(name__in=[s[0] for s in W.PRODUCTS])}
    missing = [
        Product(name=name, series=series, list_price=Decimal(price))
        for name, series, price, *_ in W.PRODUCTS
        if name not in existing
    ]
    for product in Product.objects.bulk_create(missing):
        existing[product.name] = product
    return [
        CatalogueItem(existing[name], title_word, quantity, weights)
        for name, _, _, title_word, quantity, weights in W.PRODUCTS
    ]
