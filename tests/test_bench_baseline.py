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
