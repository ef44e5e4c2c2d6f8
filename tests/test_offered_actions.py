"""Only allowed actions are shown (issue 14): menus, create links, row buttons and list actions come from one
rule, access.offers, and the services refuse with the same rule.

The grassroots union's officer (cdcs.officer, a leaf of the tree) is offered neither "Phát động", nor a new
programme, nor a new unit; the initiative list's action menu offers what each level can do.
"""
from __future__ import annotations

import re

import pytest

from adminapp.extensions import db

ACTION_RE = re.compile(r'data-app-action="([a-z_]+)"')


@pytest.fixture()
def seeded(ctx):
    from adminapp import demo_workflows

    demo_workflows.seed_workflows()
    db.session.commit()
    return ctx


def list_actions(client) -> set[str]:
    page = client.get("/admin/initiatives/")
    assert page.status_code == 200
    return set(ACTION_RE.findall(page.get_data(as_text=True)))


def test_grassroots_officer_is_not_offered_launch_programme_or_unit(seeded, login_as, user):
    from adminapp import access

    c = login_as("cdcs.officer")
    home = c.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/campaigns/"' not in home  # the "Phát động" menu entry
    assert 'href="/admin/received_campaigns/"' in home  # campaigns launched to the unit stay
    assert "/admin/programmes/new/" not in c.get("/admin/programmes/").get_data(as_text=True)
    assert "/admin/units/new/" not in c.get("/admin/units/").get_data(as_text=True)
    # typed URLs are refused, not just hidden
    assert c.get("/admin/campaigns/new/").status_code == 403
    assert c.get("/admin/programmes/new/").status_code in (302, 403)
    officer = user("cdcs.officer")
    assert not access.offers(officer, "campaign.create")
    assert not access.offers(officer, "programme.create")
    assert not access.offers(officer, "unit.create")


def test_district_officer_is_offered_launch_programme_and_unit(seeded, login_as):
    c = login_as("hoankiem.officer")
    home = c.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/campaigns/"' in home
    assert "/admin/campaigns/new/" in c.get("/admin/campaigns/").get_data(as_text=True)
    assert "/admin/programmes/new/" in c.get("/admin/programmes/").get_data(as_text=True)
    assert "/admin/units/new/" in c.get("/admin/units/").get_data(as_text=True)


def test_services_refuse_what_is_not_offered(seeded, user):
    from datetime import date

    from adminapp import access, directory
    from adminapp.workflow import campaigns, programmes
    from models import Programme, Unit

    officer = user("cdcs.officer")
    with pytest.raises(access.PermissionDenied):
        campaigns.create_campaign(actor=officer, name="Thi đua cơ sở", launch_level="grassroots", kind="regular",
                                  start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    with pytest.raises(access.PermissionDenied):
        programmes.prepare_new_programme(officer, Programme(name="Sáng kiến cơ sở"))
    with pytest.raises(access.PermissionDenied):
        directory.prepare_new_unit(officer, Unit(code="TO-01", name="Tổ công đoàn 1", kind="other",
                                                 parent=officer.unit))
    db.session.rollback()


def test_initiative_list_actions_follow_the_level(seeded, login_as):
    grassroots = list_actions(login_as("cdcs.officer"))
    assert "honour" not in grassroots  # only the programme's owner honours
    assert "select" not in grassroots  # nothing is nominated to a grassroots union
    assert {"appraise", "nominate", "reject"} <= grassroots
    province = list_actions(login_as("hanoi.officer"))
    assert "honour" not in province and {"select", "nominate"} <= province
    top = list_actions(login_as("tld.officer"))
    assert "honour" in top and "select" in top
    assert "nominate" not in top and "withdraw" not in top  # the top nominates to nobody
    leader = list_actions(login_as("hanoi.leader"))
    assert not leader & {"appraise", "select", "reject", "honour"}  # leader: nominate only (its permission)


def test_list_action_refused_server_side_when_not_offered(seeded, login_as):
    from tests.conftest import csrf_from

    c = login_as("cdcs.officer")
    token = csrf_from(c.get("/admin/initiatives/").get_data(as_text=True))
    r = c.post("/admin/initiatives/action/", data={"action": "honour", "rowid": ["1"], "csrf_token": token})
    assert r.status_code == 403  # not offered: refused, not silently ignored
    page = c.get("/admin/initiatives/").get_data(as_text=True)
    assert "Biểu dương" not in ''.join(re.findall(r'data-app-action="[^"]+">[^<]*<', page))


def test_unit_edit_pencil_only_on_units_below(seeded, login_as, unit):
    c = login_as("hanoi.officer")
    page = c.get("/admin/units/?page_size=200").get_data(as_text=True)
    own, below = unit("01"), unit("01-002")
    assert f"/admin/units/edit/?id={own.id}&" not in page  # its own unit's parent is outside its scope
    assert f"/admin/units/edit/?id={below.id}&" in page


def test_initiative_list_labels_and_bulk_inputs_above_table(seeded, login_as):
    page = login_as("cdcs.officer").get("/admin/initiatives/").get_data(as_text=True)
    assert "Với lựa chọn" not in page
    assert page.count("Với các mục đã chọn") >= 2  # the menu and the guidance name it alike
    eyes = re.findall(r'<a class="icon" href="/admin/initiatives/details/[^"]*"[^>]*>', page)
    assert eyes, "no eye icon in the list"
    assert all('title="Xem chi tiết"' in a and 'aria-label="Xem chi tiết"' in a for a in eyes)
    assert page.index('id="bulk-inputs"') < page.index("model-list")  # with the action menu, above the table
    assert page.index('id="bulk-score"') < page.index('name="rowid"')


def test_the_kept_menu_follows_each_user_and_page(seeded, login_as):
    """The navigation menu is kept per process (views/base.py cached_menu) by permissions, "launches campaigns"
    and page: users of the same role at different levels, and other roles, each get their own, in any order."""
    district, grassroots, admin = login_as("hoankiem.officer"), login_as("cdcs.officer"), login_as("admin")
    for _ in range(2):
        assert 'href="/admin/campaigns/"' in district.get("/admin/").get_data(as_text=True)
        assert 'href="/admin/campaigns/"' not in grassroots.get("/admin/").get_data(as_text=True)
        assert 'href="/admin/roles/"' in admin.get("/admin/").get_data(as_text=True)
        assert 'href="/admin/roles/"' not in district.get("/admin/").get_data(as_text=True)
    units = admin.get("/admin/units/").get_data(as_text=True)
    users = admin.get("/admin/users/").get_data(as_text=True)
    assert re.search(r'dropdown-item active\s*"\s*href="/admin/units/"', units)
    assert not re.search(r'dropdown-item active\s*"\s*href="/admin/units/"', users)
    assert re.search(r'dropdown-item active\s*"\s*href="/admin/users/"', users)


def test_row_buttons_carry_each_rows_id(seeded, login_as, unit):
    """The row buttons are rendered once per page and filled with each row's id (views/base.py row_actions_html):
    every row links to its own details, and only the rows it may edit to their edit page."""
    page = login_as("hanoi.officer").get("/admin/units/?page_size=200").get_data(as_text=True)
    rows = re.findall(r'name="rowid"[^>]*value="(\d+)"', page) or re.findall(r"/admin/units/details/\?id=(\d+)", page)
    details = re.findall(r"/admin/units/details/\?id=(\d+)&", page)
    assert details and len(details) == len(set(details)) >= 5
    assert set(rows) <= set(details)
    assert f"/admin/units/edit/?id={unit('01-002').id}&" in page
    assert f"/admin/units/edit/?id={unit('01').id}&" not in page


def test_kept_list_links_follow_the_mount_point_and_the_view(seeded, login_as):
    """The sort and pager links of a list are kept per process (views/base.py ScopedModelView._kept_url): the
    same list served under a mount point (SCRIPT_NAME) links under it, and two lists keep their own links."""
    c = login_as("admin")
    plain = c.get("/admin/units/?page_size=20").get_data(as_text=True)
    mounted = c.get("/admin/units/?page_size=20", environ_overrides={"SCRIPT_NAME": "/tdkt"}).get_data(as_text=True)
    again = c.get("/admin/units/?page_size=20").get_data(as_text=True)
    sort_link = re.compile(r'href="(/tdkt)?/admin/units/\?sort=\d+&amp;page_size=20"')
    assert sort_link.search(plain) and not sort_link.search(plain).group(1)
    assert sort_link.search(mounted) and sort_link.search(mounted).group(1) == "/tdkt"
    assert "/tdkt/" not in again
    users = c.get("/admin/users/?page_size=20").get_data(as_text=True)
    assert re.search(r'href="/admin/users/\?sort=\d+&amp;page_size=20"', users)
    assert not re.search(r'href="/admin/units/\?sort=', users)
