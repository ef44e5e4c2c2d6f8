"""Only allowed actions are shown: every link on every page a demo account reaches answers, never 403/404.

A breadth-first crawl (Flask test client, same site, GET only) as each demo account, with the demo
workflows seeded (campaigns, lists, initiatives in every state). Links that change state are forms (POST)
and are not followed; exports and downloads are followed only to see they answer.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from adminapp.extensions import db

MAX_PAGES = 400
SKIP = re.compile(r"/logout|/static/|/export/|\.xlsx|\.csv|/qr\.|/ajax/lookup|/attachment/|/download")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("javascript:", "mailto:", "#", "data:")):
                self.hrefs.append(href)


def crawl(client, start="/admin/"):
    seen, queue, bad = {start}, [(start, None)], []
    pages = 0
    while queue and pages < MAX_PAGES:
        url, source = queue.pop(0)
        r = client.get(url)
        pages += 1
        if r.status_code in (403, 404):
            bad.append(f"{url} ({r.status_code}) linked from {source}")
            continue
        if r.status_code in (301, 302, 303):
            target = urlparse(r.headers["Location"])
            if target.path.startswith(("/login",)):
                bad.append(f"{url} redirects to login, linked from {source}")
            continue
        if "text/html" not in (r.content_type or ""):
            continue
        parser = Links()
        parser.feed(r.get_data(as_text=True))
        for href in parser.hrefs:
            full = urldefrag(urljoin(url, href))[0]
            parsed = urlparse(full)
            if parsed.netloc and parsed.netloc != "localhost":
                continue
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if not path.startswith("/admin") or SKIP.search(path) or path in seen:
                continue
            # pages of long lists: the first two are enough to see their links
            if re.search(r"[?&](page|sort|desc|search|flt\d+_\w+)=", path) and len(seen) > 150:
                continue
            seen.add(path)
            queue.append((path, url))
    return bad, pages


@pytest.mark.parametrize("username", ["admin", "tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer",
                                      "hoankiem.officer", "cdcs.officer", "nghean.officer", "vinh.officer"])
def test_no_link_leads_to_403_or_404(ctx, login_as, username):
    from adminapp import demo_workflows

    demo_workflows.seed_workflows()
    db.session.commit()
    bad, pages = crawl(login_as(username))
    assert pages > 5
    assert not bad, f"{len(bad)} links answer 403/404 for {username}:\n" + "\n".join(bad[:40])
