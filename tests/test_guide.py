"""Guidance pages (issue 15): one per workflow, linked from every admin page's help icon."""
from adminapp import guide


def test_every_guide_page_and_the_help_icon(ctx, client, login_as):
    assert client.get("/huong-dan/").status_code == 200
    for slug, (title, _, steps) in guide.GUIDES.items():
        html = client.get(f"/huong-dan/{slug}").get_data(as_text=True)
        assert title in html and steps[0][0][:30] in html
    assert client.get("/huong-dan/khong-co").status_code == 404
    c = login_as("hanoi.officer")
    for url, slug in (("/admin/campaigns/", "phong-trao"), ("/admin/received_campaigns/", "dang-ky"),
                      ("/admin/initiatives/", "sang-kien"), ("/admin/", None)):
        html = c.get(url).get_data(as_text=True)
        assert 'class="nav-link help-icon"' in html, url
        if slug:
            assert f'href="/huong-dan/{slug}"' in html, url
    public = client.get("/sang-kien/").get_data(as_text=True)
    assert 'href="/huong-dan/nop-sang-kien"' in public
