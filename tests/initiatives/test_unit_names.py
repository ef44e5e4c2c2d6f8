"""Records keep their names: a 2021 document printed after a 2025 rename reads the 2021 names."""
import io
from datetime import date

from openpyxl import load_workbook

from adminapp import directory
from adminapp.exports import initiative_summary
from adminapp.extensions import db
from adminapp.workflow import dossiers


def test_2021_summary_prints_2021_names_after_a_2025_rename(ctx, login_as, unit, user, programme, submit):
    ini = submit(title="Sáng kiến Hoàn Kiếm 2021")
    hanoi = unit("01")
    d = dossiers.get_or_new(programme, hanoi)
    db.session.add(d)
    dossiers.update_dossier(user("hanoi.officer"), d, letter_number="125/TTr-LĐLĐ", letter_date=date(2021, 4, 20),
                            signer="Phạm Quang Thanh")
    db.session.commit()
    directory.rename_unit(actor=user("admin"), unit=hanoi, name="Liên đoàn Lao động Thủ đô Hà Nội",
                          effective=date(2025, 7, 1))
    directory.rename_unit(actor=user("admin"), unit=unit("01-002-01"), name="Công đoàn cơ sở EVN Hà Nội",
                          effective=date(2025, 7, 1))
    db.session.commit()

    buf = io.BytesIO()
    initiative_summary.write_summary(buf, [ini], dossier=d, unit=hanoi)
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws["A2"].value.endswith("của Ban Thường vụ Liên đoàn Lao động thành phố Hà Nội)")
    assert "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm" in ws.cell(5, 2).value
    assert "Thủ đô" not in ws.cell(5, 2).value and "EVN" not in ws.cell(5, 2).value

    # through the page too; and a table dated today prints today's names
    c = login_as("hanoi.officer")
    r = c.get(f"/admin/programmes/{programme.id}/summary.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert "Liên đoàn Lao động thành phố Hà Nội)" in ws["A2"].value
    buf = io.BytesIO()
    initiative_summary.write_summary(buf, [ini], dossier=d, unit=hanoi, as_of=date(2026, 1, 1))
    ws = load_workbook(io.BytesIO(buf.getvalue())).active
    assert ws["A2"].value.endswith("Liên đoàn Lao động Thủ đô Hà Nội)") and "EVN" in ws.cell(5, 2).value


def test_audit_log_and_history_show_the_name_of_the_day(ctx, login_as, unit, user):
    from freezegun import freeze_time

    with freeze_time("2024-05-01 03:00:00"):
        login_as("vinh.officer")  # the login event: actor unit TP Vinh, in 2024
    directory.rename_unit(actor=user("admin"), unit=unit("40-412"), name="Liên đoàn Lao động thành phố Vinh mới",
                          effective=date(2025, 7, 1))
    db.session.commit()
    html = login_as("admin").get("/admin/audit/?sort=0").get_data(as_text=True)  # oldest first
    assert "Liên đoàn Lao động thành phố Vinh</span>" in html
    assert 'title="Tên hiện nay: Liên đoàn Lao động thành phố Vinh mới"' in html
    # the unit list shows today's name with the former one on hover, the details page the whole history
    admin = login_as("admin")
    html = admin.get("/admin/units/?search=vinh").get_data(as_text=True)
    assert 'title="Tên cũ: Liên đoàn Lao động thành phố Vinh (đến 30/06/2025)"' in html
    html = admin.get(f"/admin/units/details/?id={unit('40-412').id}").get_data(as_text=True)
    assert "đến 30/06/2025: Liên đoàn Lao động thành phố Vinh" in html
    assert "từ 01/07/2025 đến nay: Liên đoàn Lao động thành phố Vinh mới" in html
    r = admin.get(f"/admin/history/unit/{unit('40-412').id}/")
    assert r.status_code == 200 and "Tổng Liên đoàn Lao động Việt Nam" in r.get_data(as_text=True)


def test_initiative_list_export_prints_the_names_of_the_submission_day(ctx, login_as, unit, user, submit):
    import csv

    ini = submit(title="Sáng kiến Hoàn Kiếm 2021")  # submitted in 2021
    directory.rename_unit(actor=user("admin"), unit=unit("01"), name="Liên đoàn Lao động Thủ đô Hà Nội",
                          effective=date(2025, 7, 1))
    directory.rename_unit(actor=user("admin"), unit=unit("01-002-01"), name="Công đoàn cơ sở EVN Hà Nội",
                          effective=date(2025, 7, 1))
    db.session.commit()
    c = login_as("hanoi.officer")
    r = c.get("/admin/initiatives/export/csv/")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    head = rows[0]
    row = next(x for x in rows[1:] if x[head.index("Mã tra cứu")] == ini.tracking_code)
    assert row[head.index("Đơn vị (cấp tỉnh/ngành)")] == "Liên đoàn Lao động thành phố Hà Nội"
    assert row[head.index("Đơn vị công tác")] == "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm"
    # the list page: today's name, the 2021 one on hover
    html = c.get("/admin/initiatives/").get_data(as_text=True)
    assert ('title="Tên cũ: Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm (đến 30/06/2025)">'
            "Công đoàn cơ sở EVN Hà Nội</span>") in html


def test_as_of_names_are_read_in_one_statement_per_batch(ctx, unit, user):
    from sqlalchemy import event

    from adminapp import unit_history

    directory.rename_unit(actor=user("admin"), unit=unit("01"), name="LĐLĐ Thủ đô", effective=date(2025, 7, 1))
    db.session.commit()
    hanoi, vinh = unit("01").id, unit("40-412").id
    rows = [(hanoi, date(2021, 1, 1)), (hanoi, date(2026, 1, 1)), (vinh, date(2021, 1, 1)),
            (hanoi, None), (hanoi, date(2025, 6, 30)), (None, date(2021, 1, 1)), (hanoi, date(1800, 1, 1))]
    statements = []
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        out = [names for _, names in unit_history.rows_with_names(rows, lambda r: [r], batch=3)]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 3  # 7 rows in batches of 3
    assert out == [["Liên đoàn Lao động thành phố Hà Nội"], ["LĐLĐ Thủ đô"], ["Liên đoàn Lao động thành phố Vinh"],
                   [None], ["Liên đoàn Lao động thành phố Hà Nội"], [None], [None]]
