"""`make bench` line of issue 12: the Lịch sử page of a record with 1,000 revisions, on data where the revision
table also holds the history of many other records, against the audit log's first page (same page size)."""
from __future__ import annotations

import random
import time

import sqlalchemy as sa

from adminapp.extensions import db
from models import Campaign, Revision, User, utcnow

REVISIONS = 1_000


def ensure_history(n: int) -> int:
    """A campaign with 1,000 revisions among n // 10 revisions of other records (bulk insert). Returns its id."""
    campaign_id = db.session.execute(sa.select(Campaign.id).order_by(Campaign.id)).scalars().first()
    have = db.session.execute(sa.select(sa.func.count()).select_from(Revision)
                              .where(Revision.object_type == "campaign", Revision.object_id == campaign_id)).scalar_one()
    admin = db.session.execute(sa.select(User).where(User.username == "admin")).scalar_one()
    rnd = random.Random(n)
    now = utcnow()
    rows = []
    base = {"name": "Phong trào", "description": "x" * 400, "units": [[i, 4] for i in range(1, 40)], "links": [],
            "attachments": [], "status": "launched", "owner_unit_id": 1}
    for k in range(have, REVISIONS):
        rows.append({"object_type": "campaign", "object_id": campaign_id, "action": "update", "created_at": now,
                     "actor_id": admin.id, "actor_unit_id": admin.unit_id, "unit_id": 1, "version": k + 2,
                     "changes": {"description": [f"nội dung {k}", f"nội dung {k + 1}"]},
                     "snapshot": dict(base, description=f"nội dung {k + 1}", version=k + 2)})
    others = db.session.execute(sa.select(sa.func.count()).select_from(Revision)
                                .where(Revision.object_type == "unit")).scalar_one()
    for _ in range(others, n // 10):
        rows.append({"object_type": "unit", "object_id": rnd.randint(1, 11_000), "action": "update",
                     "created_at": now, "actor_id": admin.id, "actor_unit_id": admin.unit_id, "unit_id": 1,
                     "version": 2, "changes": {"name": ["A", "B"]}, "snapshot": {"name": "B", "version": 2}})
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(Revision), rows[i:i + 5000])
    db.session.commit()
    return campaign_id


def run_history(bench, n: int) -> None:
    with bench.app.app_context():
        campaign_id = ensure_history(n)
        from bench.generate import analyze

        analyze()
    client = bench.client("admin")
    ours, base = bench.time_pair(client, f"/admin/history/campaign/{campaign_id}/", client,
                                 "/admin/audit/?page_size=50")
    bench.record(f"history_{n}_record_with_{REVISIONS}_revisions_page1", ours, base,
                 baseline_name="the audit log's page 1 (50 rows)")
    t0 = time.perf_counter()
    stmt = bench.count_statements(client, f"/admin/history/campaign/{campaign_id}/")
    bench.record(f"history_{n}_page_statements", stmt, stmt, unit="statements",
                 baseline_name=f"(measured in {time.perf_counter() - t0:.2f} s)")
