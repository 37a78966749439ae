"""The decomposition arithmetic: the textbook case, margin, weights and working days."""

from datetime import date
from decimal import Decimal

from salestrack.goals.decomposition import PlanRep, plan_decompose, split_amount
from salestrack.goals.tests.test_periods import LABOUR_DAY

D = Decimal
Q2 = {"period_kind": "quarter", "start": date(2025, 4, 1), "end": date(2025, 6, 30)}


def textbook(**kwargs):
    """10,000,000 a quarter, 100,000 average deal, 10 % of effective contacts end in a win."""
    params = {"target": D(10_000_000), "avg_deal_size": D(100_000), "conversion_pct": D(10)}
    return plan_decompose(**Q2, **(params | kwargs))


def rows(plan, kind, reps=False):
    return [r for r in plan.rows if r.period_kind == kind and (r.rep is not None) == reps]


def test_it_decomposes_the_textbook_case():
    plan = textbook()
    assert plan.won_deals == 100
    assert plan.weeks == 13
    assert plan.weekly_won_deals == 8  # 100 / 13 = 7.7, rounded up
    assert plan.weekly_contacts == 80  # 8 / 10 %
    assert plan.contacts == 1000
    months = rows(plan, "month")
    assert [m.target for m in months] == [D("3333333.34"), D("3333333.33"), D("3333333.33")]
    assert [m.won_deals for m in months] == [34, 34, 34]
    weeks = rows(plan, "week")
    assert len(weeks) == 13
    assert weeks[0].target == D("769230.77")  # 10,000,000 / 13
    assert sum(w.target for w in weeks) == D(10_000_000)
    assert {w.won_deals for w in weeks} == {8}
    assert {w.contacts for w in weeks} == {80}


def test_it_puts_each_week_under_the_month_of_its_monday():
    plan = textbook()
    weeks_per_month = [
        sum(1 for r in rows(plan, "week") if r.parent_key == m.key) for m in rows(plan, "month")
    ]
    assert weeks_per_month == [4, 4, 5]  # April 7..28, May 5..26, June 2..30
    assert rows(plan, "week")[-1].start == date(2025, 6, 30)


def test_it_plans_a_safety_margin_on_top():
    plan = textbook(margin_pct=D(15))
    assert plan.planned == D(11_500_000)
    assert plan.rows[0].target == D(10_000_000)  # the period goal keeps the official target
    assert rows(plan, "month")[1].target == D("3833333.33")
    assert plan.won_deals == 115
    assert plan.weekly_won_deals == 9  # 115 / 13 = 8.8
    assert plan.weekly_contacts == 90


def test_it_splits_over_reps_equally():
    reps = [PlanRep(1, "艾丽丝"), PlanRep(2, "鲍勃"), PlanRep(3, "查理")]
    plan = textbook(reps=reps)
    shares = rows(plan, "quarter", reps=True)
    assert [r.target for r in shares] == [D("3333333.34"), D("3333333.33"), D("3333333.33")]
    assert all(r.parent_key == "p" for r in shares)
    week_shares = [r for r in rows(plan, "week", reps=True) if r.parent_key == "p.m1.w1"]
    assert sum(r.target for r in week_shares) == D("769230.77")
    assert [r.won_deals for r in week_shares] == [3, 3, 3]


def test_it_splits_over_reps_by_weight():
    reps = [PlanRep(1, "艾丽丝", D(2)), PlanRep(2, "鲍勃", D(1)), PlanRep(3, "查理", D(1))]
    plan = textbook(reps=reps, rep_split="weight")
    shares = rows(plan, "quarter", reps=True)
    assert [r.target for r in shares] == [D(5_000_000), D(2_500_000), D(2_500_000)]
    assert [r.won_deals for r in shares] == [50, 25, 25]
    # Weights are ignored when the split is equal.
    assert rows(textbook(reps=reps), "quarter", reps=True)[0].target == D("3333333.34")


def test_it_splits_months_and_weeks_by_working_days():
    plan = textbook(time_split="working_days", overrides=LABOUR_DAY)
    assert plan.working_days == 63
    april, may, june = rows(plan, "month")
    assert (april.working_days, may.working_days, june.working_days) == (23, 19, 21)
    assert may.target < june.target < april.target
    assert april.target == D("3650793.66")  # 10,000,000 × 23 / 63, plus the leftover fen
    assert sum(m.target for m in (april, may, june)) == D(10_000_000)
    labour_week = next(r for r in rows(plan, "week") if r.start == date(2025, 4, 28))
    assert labour_week.working_days == 3
    assert labour_week.target < rows(plan, "week")[0].target


def test_it_shares_amounts_to_the_fen():
    assert split_amount(D(100), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert split_amount(D(10), [D(0), D(0)]) == [D(5), D(5)]
    assert split_amount(D(10), []) == []
