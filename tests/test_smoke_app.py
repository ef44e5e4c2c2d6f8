def test_login_page_is_vietnamese(client):
    r = client.get("/login")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


def test_home_redirects_to_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_officer_reaches_dashboard(login_as):
    c = login_as("hanoi.officer")
    r = c.get("/admin/")
    assert r.status_code == 200
    assert "Liên đoàn Lao động thành phố Hà Nội" in r.get_data(as_text=True)


def test_postgresql_connections_get_the_planner_costs(ctx):
    """PostgreSQL: every connection the app opens has PG_RANDOM_PAGE_COST (1.1 unless set), kept after the pool's
    rollback; SQLite has no such setting."""
    from adminapp.extensions import db

    if db.engine.dialect.name != "postgresql":
        assert ctx.config["PG_RANDOM_PAGE_COST"]  # set, and ignored
        return
    want = float(ctx.config["PG_RANDOM_PAGE_COST"])
    for _ in range(2):  # a connection back from the pool too
        with db.engine.connect() as conn:
            assert float(conn.exec_driver_sql("SHOW random_page_cost").scalar()) == want
            conn.rollback()
