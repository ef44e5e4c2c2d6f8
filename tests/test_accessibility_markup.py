"""Accessibility in the markup, without a browser (the full check is axe-core in tests/e2e/test_accessibility.py).

Every admin page has <html lang="vi"> and one <main>; a list's checkbox and row-action columns have header
text for screen readers; the row icons and checkboxes are named by aria-label, not by a title alone.
"""
from __future__ import annotations

import re

import pytest

EMPTY_TH = re.compile(r"<th\b[^>]*>(\s|&nbsp;)*</th>")


def _page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/", "/admin/units/", "/admin/units/new/", "/admin/units/details/?id={unit}",
                                 "/admin/users/", "/admin/initiatives/", "/admin/notifications/"])
def test_admin_pages_have_a_language_and_one_main_landmark(login_as, unit, url):
    html = _page(login_as("admin"), url.format(unit=unit("01-002").id))
    assert '<html lang="vi">' in html
    assert html.count("<main") == 1 and html.count("</main>") == 1
    assert not EMPTY_TH.search(html), EMPTY_TH.search(html).group(0)


def test_list_columns_and_row_controls_are_named(ctx, login_as):
    from adminapp import demo_workflows
    from adminapp.extensions import db

    demo_workflows.seed_workflows()
    db.session.commit()
    client = login_as("admin")
    html = _page(client, "/admin/units/")
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert '<span class="sr-only">Thao tác</span>' in head
    body = html[html.index("</thead>"):]
    assert body.count('aria-label="Xem chi tiết"') >= 5
    assert body.count('aria-label="Sửa"') >= 5
    # the icon itself is hidden from screen readers, its link carries the name
    assert not re.search(r'<span class="fa fa-eye[^"]*"></span>', body)

    html = _page(client, "/admin/initiatives/")  # a list with bulk actions: a checkbox column
    head = re.search(r"<thead>.*?</thead>", html, re.S).group(0)
    assert '<span class="sr-only">Chọn</span>' in head
    assert re.search(r'class="action-rowtoggle"[^>]*aria-label="Chọn tất cả bản ghi"', head)
    assert re.search(r'class="action-checkbox"[^>]*aria-label="Chọn bản ghi \d+"', html)


def test_flash_message_close_button_is_named(login_as):
    html = _page(login_as("admin"), "/admin/")  # the login's "Xin chào …" message
    alert = re.search(r'<div class="alert alert-success[^"]*" role="alert">.*?</div>', html, re.S)
    assert alert and "Xin chào" in alert.group(0)
    assert '<button type="button" class="close" data-dismiss="alert" aria-label="Đóng">' in alert.group(0)
    assert 'class="close" data-dismiss="alert" aria-hidden="true"' not in html
