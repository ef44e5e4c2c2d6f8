"""Whatever a browser or a bot posts to the public pages, the answer is never a 500 (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_from
from tests.initiatives.test_public import URL, form_data

FIELDS = ["author_name", "birth_year", "position", "phone", "level1_unit_id", "unit_id", "group", "title", "field",
          "description", "application_date", "effectiveness", "benefit_value", "scope", "awards"]
nasty = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=30),
    st.sampled_from(["\x00", "<script>alert(1)</script>", "' OR 1=1 --", "-1", "9" * 40, "１９８５", "NaN",
                     "31/02/2021", "0000-00-00", "ᴬ" * 200, "%", "_", "\\"]),
)


@pytest.fixture()
def fuzz_client(ctx, client, programme, frozen, monkeypatch):
    monkeypatch.setitem(ctx.config, "PUBLIC_SUBMIT_LIMIT", "100000 per hour")
    return client


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(FIELDS), nasty, min_size=1, max_size=5))
def test_public_form_never_fails(fuzz_client, unit, values):
    from adminapp.extensions import db
    from adminapp.workflow.initiatives import _clean
    from models import Initiative

    token = csrf_from(fuzz_client.get(URL).get_data(as_text=True))
    sent = {**form_data(unit), **values}
    r = fuzz_client.post(URL, data={**sent, "csrf_token": token})
    assert r.status_code in (303, 400), r.status_code
    db.session.rollback()
    if r.status_code == 303:  # accepted: what is stored reads back as sent (trimmed, line breaks unified)
        stored = db.session.execute(db.select(Initiative).order_by(Initiative.id.desc())).scalars().first()
        for name in ("author_name", "title", "description"):
            assert getattr(stored, name) == _clean(sent[name]), name
        for name in ("position", "effectiveness", "scope", "awards"):
            assert (getattr(stored, name) or "") == _clean(sent[name]), name


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=nasty, phone=nasty, q=nasty, parent=nasty)
def test_tracking_and_picker_never_fail(fuzz_client, code, phone, q, parent):
    track = URL + "tra-cuu"
    token = csrf_from(fuzz_client.get(track).get_data(as_text=True))
    r = fuzz_client.post(track, data={"code": code, "phone": phone, "csrf_token": token})
    assert r.status_code in (200, 400)
    assert "Đã nộp" not in r.get_data(as_text=True)
    r = fuzz_client.get(URL + "units", query_string={"q": q, "parent": parent})
    assert r.status_code in (200, 400)  # 400: NUL characters are refused app-wide
    if r.status_code == 200:
        assert isinstance(r.get_json(), list)
