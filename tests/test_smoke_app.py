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
