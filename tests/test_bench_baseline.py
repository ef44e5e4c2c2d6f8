"""The bench's baseline (bench/run.py: default Flask-Admin ModelViews on the same app) renders its pages: the
app's own templates override Flask-Admin's, so they must not ask a plain ModelView for what only ours have."""
from __future__ import annotations

import pytest

from tests.conftest import Auth, seeded_app


@pytest.fixture()
def bench_app(tmp_path_factory, app):
    from bench.run import add_bare_admin

    with seeded_app(app.config["BACKEND"], tmp_path_factory, prepare=add_bare_admin) as bare_app:
        yield bare_app


def test_bare_flask_admin_pages_render(bench_app):
    client = bench_app.test_client()
    assert Auth(client).login("admin").status_code == 302
    for url in ("/bare/unit/", "/bare/initiative/", "/bare/initiative_noauto/", "/bare/initiative_scoped/",
                "/bare/user/", "/bare/registration/"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        if url in ("/bare/unit/", "/bare/user/"):  # rows with the default row actions
            assert "fa-pencil" in r.get_data(as_text=True), url


def test_raw_typed_writer_takes_kinds_from_json(bench_app, tmp_path):
    """The raw baseline of the export bench (bench/export_proc.py) gets its column kinds through JSON, as the
    bench's fresh process does: every kind must still pick its cell type (numbers as numbers, dates as dates)."""
    import json

    from adminapp import demo_workflows
    from adminapp.extensions import db
    from bench import export_proc

    with bench_app.app_context():
        demo_workflows.seed_workflows()  # initiatives in every state
        db.session.commit()

    names = ["tracking_code", "title", "birth_year", "application_date", "score", "created_at"]
    kinds = json.loads(json.dumps(["text", "text", "int", "date", "int", "datetime"]))
    out = export_proc._raw(bench_app, names, kinds, names)
    assert out["size"] > 0
