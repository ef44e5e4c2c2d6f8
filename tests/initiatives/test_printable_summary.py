"""The summary table TỔNG HỢP TÓM TẮT SÁNG KIẾN prints as it is (issue 13): converted by LibreOffice headless
to PDF, every cell's full text is on the page inside its cell box, one page width, title, Tờ trình line and
signature block present; hostile text (1,000 characters, long names, formulas, emoji, combining marks) too."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from adminapp.exports import initiative_summary
from adminapp.extensions import db
from tests.printcheck import check_cells, squash, to_pdf
from tests.test_export_jobs import queued  # noqa: F401  (the fixture: a real RQ queue on Redis)

SUMMARY = ("Sáng kiến thay thế quy trình kiểm tra công tơ thủ công bằng thiết bị đọc tự động, giảm sai sót "
           "và thời gian đi lại của công nhân. ")


def _initiatives(submit):
    long_name = ("Nguyễn Thị Phương Thảo Hoàng Lê " * 6)[:160]  # the longest name the form takes
    return [
        submit(description=(SUMMARY * 12)[:1000], author_name="Trần Văn Bình", position="Kỹ sư",
               title="Cải tiến quy trình kiểm tra công tơ"),
        submit(description="đ" * 1000, author_name=long_name, position="Tổ trưởng tổ bảo dưỡng thiết bị " * 4,
               title="=HYPERLINK(\"http://x\",\"bấm\") + thêm @SUM(A1) -1"),
        submit(description="Tiết kiệm 😀🚀 điện năng; cafe\u0301 khác café; Tiếng Việt có dấu ă â ê ô ơ ư đ. " * 6,
               title="Sáng kiến 🌾 cho nông nghiệp (thu\u0309 công)", awards="Chiến sĩ thi đua cơ sở 2019"),
        # taller than a spreadsheet row may be (409 pt): the longest effectiveness, scope and awards the form
        # takes go on in continuation rows instead of being clipped
        submit(effectiveness=("Giảm 30% thời gian dừng máy, tiết kiệm điện năng và vật tư. " * 40)[:2000],
               scope=("Áp dụng toàn Tổng công ty và các đơn vị thành viên. " * 25)[:1000],
               awards=("Bằng khen của Tổng Liên đoàn năm 2019; Chiến sĩ thi đua cơ sở. " * 20)[:1000],
               title="Sáng kiến có phần hiệu quả rất dài"),
    ]


def test_summary_table_prints_whole_on_a4_landscape(ctx, tmp_path, submit, user, unit, programme):
    from adminapp.workflow import dossiers

    rows = _initiatives(submit)
    hanoi = unit("01")
    dossier = dossiers.get_or_new(programme, hanoi)
    dossiers.update_dossier(user("hanoi.officer"), dossier, letter_number="125/TTr-LĐLĐ",
                            letter_date=date(2021, 4, 20), signer="Phạm Quang Thanh", signer_title="PHÓ CHỦ TỊCH",
                            place="Hà Nội")
    db.session.commit()
    buf = io.BytesIO()
    with freeze_time("2021-04-20 18:00:00"):  # 01:00 on 21 April in Hà Nội
        initiative_summary.write_summary(buf, rows, dossier=dossier, unit=hanoi, programme=programme)
    data = buf.getvalue()

    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.cell(4, 7).value.endswith("trong 03 năm (2018 – 2020)")  # from the programme's year (2021)
    assert ws.row_dimensions[5].height > 100  # computed from the wrapped text, not the default
    heights = [ws.row_dimensions[r].height for r in range(5, ws.max_row + 1) if ws.row_dimensions[r].height]
    assert max(heights) <= 409  # no row asks for more than a sheet stores
    tt_rows = {ws.cell(r, 1).value: r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value in (1, 2, 3, 4)}
    assert list(tt_rows) == [1, 2, 3, 4] and tt_rows[4] - tt_rows[1] == 3  # one row each for 1 to 3
    below = tt_rows[4] + 1  # row 4 goes on below: no TT, its effectiveness column continued
    assert ws.cell(below, 1).value is None and ws.cell(below, 6).value
    assert ws.print_title_rows == "$4:$4" and ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide

    pdf = to_pdf(data, tmp_path, "tong-hop-tom-tat-sang-kien")
    expected = {}
    for n, ini in enumerate(rows, start=1):
        values = initiative_summary.row_values(n, ini)
        expected[str(n)] = [str(v) for v in values]
        assert ini.phone in values[1] and "Năm sinh: 1985" in values[1] and "Đơn vị: " in values[1]
    texts = check_cells(pdf, expected, ncols=7)
    first, last = squash(texts[0]), squash(texts[-1])
    assert squash("TỔNG HỢP TÓM TẮT SÁNG KIẾN") in first
    assert squash("(Kèm theo Tờ trình số 125/TTr-LĐLĐ ngày 20 tháng 04 năm 2021 của Ban Thường vụ "
                  "Liên đoàn Lao động thành phố Hà Nội)") in first
    for line in ("Hà Nội, ngày 21 tháng 04 năm 2021", "TM. BAN THƯỜNG VỤ", "PHÓ CHỦ TỊCH", "Phạm Quang Thanh"):
        assert squash(line) in last, line


def test_hidden_fields_are_blank_in_the_summary_for_that_role(ctx, login_as, submit, programme, unit):
    """A field rule hiding the phone and the summary from a role leaves them blank in its printed document."""
    from models import Role

    ini = submit(description="Nội dung bí mật", phone="0987654321")
    role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    role.field_rules = {"initiative": {"phone": "hidden", "description": "hidden", "benefit_value": "hidden"}}
    db.session.commit()
    values = initiative_summary.row_values(1, ini, {"phone", "description", "benefit_value"})
    assert "0987654321" not in values[1] and values[4] == "" and "150.000.000" not in values[5]
    # through the page: the Confederation's summary of what it honoured is empty here, so ask the unit's own
    c = login_as("hanoi.officer")
    r = c.get(f"/admin/programmes/{programme.id}/summary.xlsx")
    assert r.status_code == 200
    body = [str(v) for row in openpyxl.load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True)
            for v in row if v]
    assert not any("0987654321" in v or "Nội dung bí mật" in v for v in body)


def test_summary_table_is_a_background_job_when_a_queue_is_set(queued, login_as, programme):  # noqa: F811
    """With REDIS_URL the summary table is written by the worker, as the user who asked, for that user only."""
    from models import ExportJob

    c = login_as("hanoi.officer")
    r = c.get(f"/admin/programmes/{programme.id}/summary.xlsx")
    assert r.status_code == 302 and "/admin/exports/details/" in r.headers["Location"]
    queued()
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert job.endpoint == "doc:summary" and job.status == "done", (job.status, job.error)
    r = c.get(f"/admin/exports/{job.id}/download")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws["A1"].value == "TỔNG HỢP TÓM TẮT SÁNG KIẾN" and "Hà Nội" in ws["A2"].value
    assert login_as("hanoi.leader").get(f"/admin/exports/{job.id}/download").status_code == 404
