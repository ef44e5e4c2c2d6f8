"""Realistic national data for the benchmark, written with bulk inserts (COPY on PostgreSQL).

The unit tree: the Confederation, its level-1 units (reference data), then
district-level unions and grassroots unions under them, spread unevenly (big
provinces hold more), about 11,000 units over 4 levels by default.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import click
import sqlalchemy as sa

from adminapp.extensions import db
from adminapp.text import fold
from models import Unit, utcnow

NOW = utcnow()


def spread_time(rnd: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between `start` and `end`, weighted towards the end (submissions pile up before a
    deadline), during office hours more often than at night, to the second."""
    span = (end - start).total_seconds()
    at = start + timedelta(seconds=span * (1 - rnd.random() ** 1.8))
    if rnd.random() < 0.8:  # most work happens 7:30–17:00 (UTC+7)
        at = at.replace(hour=rnd.randint(0, 9), minute=rnd.randrange(60), second=rnd.randrange(60))
    return at

BIG = {"01": 7, "79": 6, "40": 4, "38": 4, "31": 3, "74": 3, "75": 3}  # weight of big provinces

DISTRICT_WORDS = ["Quận", "Huyện", "Thị xã", "Thành phố"]
PLACE_WORDS = ["Hoàn Kiếm", "Ba Đình", "Đống Đa", "Cầu Giấy", "Hải Châu", "Ninh Kiều", "Thủ Đức", "Nghi Lộc",
               "Diễn Châu", "Quỳnh Lưu", "Yên Thành", "Đô Lương", "Thanh Chương", "Hưng Nguyên", "Cửa Lò"]
ORG_WORDS = ["Công ty Cổ phần", "Công ty TNHH", "Trường THPT", "Trường Tiểu học", "Bệnh viện", "Ủy ban nhân dân",
             "Nhà máy", "Xí nghiệp", "Trung tâm Y tế", "Hợp tác xã"]
ORG_NAMES = ["Điện lực", "Dệt may Thành Công", "Nhựa Tiền Phong", "Thép Việt Đức", "Đường sắt", "Xi măng Hoàng Thạch",
             "Cao su Đồng Phú", "Thủy sản Minh Phú", "Bia Sài Gòn", "Giấy Bãi Bằng", "Trần Phú", "Nguyễn Huệ",
             "Lê Lợi", "Hữu nghị Việt Đức", "Bạch Mai", "Chợ Rẫy"]


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum does in production (on PostgreSQL
    VACUUM ANALYZE: the visibility map lets counts use index-only scans, as on a settled database)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        import time

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
            # VACUUM marks pages all-visible only when no other transaction on the server may still need
            # their old versions: on a shared server it may not (index-only scans then fetch every row
            # from the table). Retry until the large tables are (almost) all visible, as a settled
            # database would be; say so when it cannot.
            for _ in range(15):
                row = conn.exec_driver_sql(
                    "SELECT coalesce(min(relallvisible::float / nullif(relpages, 0)), 1) FROM pg_class "
                    "WHERE relname IN ('initiative', 'registration', 'participant') "
                    "AND relnamespace = current_schema()::regnamespace").scalar()
                if row >= 0.95:
                    break
                time.sleep(2)
                conn.exec_driver_sql("VACUUM initiative, registration, participant")
            print(f"# VACUUM: all-visible share of the large tables {row:.2f}", flush=True)
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def copy_rows(table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
            for row in rows:
                cp.write_row(row)
    else:
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])


@contextmanager
def sqlite_bulk_load(table: sa.Table):
    """SQLite: load `table` without its secondary indexes and triggers, then build them once (the FTS5 search
    index rebuilt from the table). Row by row, every insert updated a dozen B-trees and the trigram index:
    250,000 initiatives took over 20 minutes. PostgreSQL (COPY) is left as it is."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                    (table.name,)).all()
    fts = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (f"{table.name}_fts",)).first()
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    indexes = sorted(table.indexes, key=lambda i: i.name)
    for index in indexes:
        index.drop(conn)
    try:
        yield
    finally:
        for index in indexes:
            index.create(conn)
        for _, sql in triggers:
            conn.exec_driver_sql(sql)
        if fts:
            conn.exec_driver_sql(f"INSERT INTO {table.name}_fts({table.name}_fts) VALUES ('rebuild')")


def _unit_rows(parent: Unit, count: int, level_kind: str, rnd: random.Random, start_id: int) -> Iterator[tuple]:
    for i in range(count):
        # "H" marks generated districts so codes never meet the demo data's (01-002 …)
        code = f"{parent.code}-H{i + 1:03d}" if level_kind == "district_union" else f"{parent.code}-{i + 1:03d}"
        if level_kind == "district_union":
            name = f"Liên đoàn Lao động {rnd.choice(DISTRICT_WORDS).lower()} {rnd.choice(PLACE_WORDS)} {i + 1}"
        else:
            name = f"Công đoàn cơ sở {rnd.choice(ORG_WORDS)} {rnd.choice(ORG_NAMES)} {i + 1}"
        yield (start_id + i, code, name, None, parent.level + 1, level_kind, parent.id, f"{parent.path}{code}/",
               True, i, None, fold(f"{code} {name}"), 1, NOW)


def generate_units(target: int = 11_000, seed: int = 7) -> int:
    """Add district and grassroots unions under every level-1 unit until about `target` units exist."""
    rnd = random.Random(seed)
    level1 = db.session.execute(db.select(Unit).where(Unit.level == 1).order_by(Unit.id)).scalars().all()
    existing = db.session.execute(db.select(sa.func.count()).select_from(Unit)).scalar_one()
    next_id = (db.session.execute(db.select(sa.func.max(Unit.id))).scalar_one() or 0) + 1
    weights = [BIG.get(u.code, 1) for u in level1]
    total_w = sum(weights)
    remaining = max(0, target - existing)
    if db.session.execute(db.select(Unit.id).where(Unit.code == f"{level1[0].code}-H001")).first():
        return 0  # generated already (a kept schema: BENCH_SCHEMA)
    cols = ["id", "code", "name", "short_name", "level", "kind", "parent_id", "path", "active", "sort_order",
            "default_quota", "search_text", "version", "created_at"]
    table = Unit.__table__
    created = 0
    with click.progressbar(list(zip(level1, weights, strict=True)), label="Đơn vị", file=None) as bar:
        for unit, w in bar:
            share = remaining * w // total_w
            districts = max(1, share // 12)
            drows = list(_unit_rows(unit, districts, "district_union", rnd, next_id))
            next_id += len(drows)
            copy_rows(table, cols, drows)
            created += len(drows)
            per_district = max(1, (share - districts) // districts)
            for d in drows:
                parent = Unit(id=d[0], code=d[1], level=d[4], path=d[7])
                grows = list(_unit_rows(parent, per_district, "grassroots", rnd, next_id))
                next_id += len(grows)
                copy_rows(table, cols, grows)
                created += len(grows)
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('unit', 'id'), (SELECT max(id) FROM unit))"))
    db.session.commit()
    return created


TITLES = ["Cải tiến quy trình", "Ứng dụng phần mềm quản lý", "Giải pháp tiết kiệm điện", "Sáng kiến an toàn lao động",
          "Đổi mới phương pháp giảng dạy", "Số hóa hồ sơ", "Tái chế phế phẩm", "Hợp lý hóa dây chuyền",
          "Cải cách thủ tục hành chính", "Nâng cao năng suất"]
OBJECTS = ["máy ép nhựa", "lò hơi", "kho vật tư", "bếp ăn tập thể", "hệ thống điện", "phòng khám", "thư viện",
           "dây chuyền may", "trạm bơm", "xưởng cơ khí"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thị Hoa", "Đức Huy", "Thu Hằng", "Văn Khánh", "Ngọc Lan"]


TOP_QUOTA = 5  # initiatives a level-1 unit may have honoured at the top (seed 004 §3: 04, or 05 for some)


SECRET_EVERY = 200  # one initiative in 200 is a technology secret (masked beyond its nomination path)


def generate_initiatives(n: int, programme_id: int, fields: list[str], seed: int = 11, progress=None,
                         start: int = 0) -> int:
    """`n` initiatives spread over grassroots unions (big provinces hold more), bulk inserted."""
    from datetime import date

    from models import Initiative

    rnd = random.Random(seed)
    grassroots = db.session.execute(
        db.select(Unit.id, Unit.path).where(Unit.kind == "grassroots").order_by(Unit.id)).all()
    level1 = dict(db.session.execute(db.select(Unit.code, Unit.id).where(Unit.level == 1)).all())
    pool = [(uid, level1[path.strip("/").split("/")[1]]) for uid, path in grassroots]
    cols = ["programme_id", "tracking_code", "author_name", "birth_year", "position", "phone", "unit_id",
            "level1_unit_id", "holder_unit_id", "group", "title", "title_folded", "field", "description",
            "application_date", "effectiveness", "benefit_value", "scope", "awards", "status", "score", "is_duplicate",
            "complaint_open", "dispute_open", "search_text", "created_at", "updated_at", "version", "area_unit_id",
            "is_secret"]
    table = Initiative.__table__
    batch: list[tuple] = []
    # a programme under way: most still waiting, some appraised (scored 0–100, most 50–90), rejected,
    # selected, nominated upwards or honoured; submissions over the six weeks of the window
    statuses = [("submitted", 45), ("appraised", 20), ("rejected", 12), ("selected", 10), ("nominated", 9),
                ("honoured", 4)]
    # the top honours at most its quota per level-1 unit (at most 5, seed 004 §3): past it, "nominated"
    honoured = dict(db.session.execute(
        db.select(Initiative.level1_unit_id, db.func.count()).where(Initiative.programme_id == programme_id,
                                                                   Initiative.status == "honoured")
        .group_by(Initiative.level1_unit_id)).all())
    names, weights = [s for s, _ in statuses], [w for _, w in statuses]
    opens, closes = datetime(2021, 3, 10), datetime(2021, 4, 20, 17)
    with sqlite_bulk_load(table):
        for i in range(start, start + n):  # a second, larger N adds rows after the first N
            uid, l1 = rnd.choice(pool)
            code = f"B{i:09d}"
            author = f"{rnd.choice(SURNAMES)} {rnd.choice(GIVEN)}"
            title = f"{rnd.choice(TITLES)} {rnd.choice(OBJECTS)} số {i}"
            phone = f"09{rnd.randrange(10**8):08d}"
            status = rnd.choices(names, weights)[0]
            if status == "honoured":
                if honoured.get(l1, 0) >= TOP_QUOTA:
                    status = "nominated"
                else:
                    honoured[l1] = honoured.get(l1, 0) + 1
            score = None if status in ("submitted", "rejected") else max(0, min(100, int(rnd.gauss(72, 12))))
            created = spread_time(rnd, opens, closes)
            updated = created if status == "submitted" else created + timedelta(days=rnd.randint(1, 40),
                                                                                 seconds=rnd.randrange(86400))
            batch.append((programme_id, code, author, rnd.randint(1960, 2000), "Kỹ sư", phone, uid, l1, uid,
                          rnd.choice(["enterprise", "administration"]), title, fold(title), rnd.choice(fields),
                          f"{title}: mô tả tóm tắt nội dung sáng kiến, cách làm, kết quả áp dụng thực tế.",
                          date(2021, rnd.randint(2, 5), rnd.randint(1, 28)), "Tiết kiệm chi phí",
                          rnd.randrange(0, 500_000_000), "Toàn đơn vị", "", status, score, False, False, False,
                          f"{code.lower()} {fold(author)} {fold(title)} {phone}", created, updated, 1, l1,
                          i % SECRET_EVERY == 7))
            if len(batch) >= 5000:
                copy_rows(table, cols, batch)
                if progress:
                    progress(len(batch))
                batch = []
        copy_rows(table, cols, batch)
        if progress and batch:
            progress(len(batch))
    db.session.commit()
    return n
