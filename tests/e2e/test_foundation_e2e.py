"""Foundation as a person clicks it, in headless Chromium against the running server."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_out

ENGLISH = ["Save", "Cancel", "Delete", "Search", "Add Filter", "Export", "Create New Record", "Toggle navigation",
           "No matches found", "items", "Record was", "Home", "Are you sure", "With selected", "Details", "List",
           "This field is required", "Not a valid", "Please select", "Failed to", "Searching", "Loading"]


def visible_english(page) -> list[str]:
    text = page.inner_text("body")
    attrs = " ".join(page.eval_on_selector_all(
        "[placeholder],[title],[aria-label]",
        "els => els.map(e => [e.placeholder, e.title, e.getAttribute('aria-label')].join(' '))",
    ))
    haystack = text + " " + attrs
    return [w for w in ENGLISH if re.search(r"\b" + re.escape(w) + r"\b", haystack)]


def unlabeled_fields(page) -> list[str]:
    return page.eval_on_selector_all(
        "input:not([type=hidden]):not([type=submit]):not([type=checkbox].action-checkbox):not(.select2-input)"
        ":not(.select2-focusser):not([name=rowid]), select, textarea",
        """els => els.filter(e => e.offsetParent !== null || e.type === 'checkbox').filter(e => {
            if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.title) return false;
            if (e.id && document.querySelector('label[for="' + e.id + '"]')) return false;
            return !e.closest('label');
        }).map(e => e.name || e.id || e.outerHTML.slice(0, 80))""",
    )


def test_officer_logs_in_browses_searches_and_adds_a_unit(page, login_page, site, shot):
    page.set_default_timeout(10000)
    login_page("hoankiem.officer")
    shot("dashboard")
    expect(page.locator("body")).to_contain_text("Liên đoàn Lao động quận Hoàn Kiếm")
    page.click("text=Hệ thống")
    page.click("a.dropdown-item[href='/admin/units/']")
    expect(page.locator("table.model-list")).to_contain_text("Công đoàn cơ sở Bệnh viện Hữu nghị Việt Đức")
    shot("units")
    page.fill("input[name=search]", "viet duc")
    page.press("input[name=search]", "Enter")
    expect(page).to_have_url(re.compile(r"search="))
    expect(page.locator("table.model-list tbody tr")).to_have_count(1)
    shot("search-no-diacritics")
    page.click("a.nav-link:has-text('Tạo')")
    page.fill("#code", "01-002-09")
    page.fill("#name", "Công đoàn cơ sở Nhà hát Lớn Hà Nội")
    page.select_option("#kind", "grassroots")
    shot("new-unit-form")
    page.click("input[type=submit][value='Lưu']")
    expect(page.locator(".alert-success")).to_contain_text("Đã tạo bản ghi")
    page.fill("input[name=search]", "NHA HAT LON")
    page.press("input[name=search]", "Enter")
    expect(page).to_have_url(re.compile(r"search=NHA"))  # the search page, not the list it replaces
    expect(page.locator("table.model-list")).to_contain_text("Công đoàn cơ sở Nhà hát Lớn Hà Nội")
    expect(page.locator("table.model-list")).to_contain_text("TLĐ › Hà Nội › Quận Hoàn Kiếm")
    shot("unit-created")
    log_out(page)
    expect(page.locator(".alert")).to_contain_text("Bạn đã đăng xuất")
    shot("logged-out")


def test_wrong_password_message_is_vietnamese(page, site, shot):
    page.goto(site + "/login")
    page.fill("#username", "hanoi.officer")
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    expect(page.locator(".alert-danger")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert not visible_english(page)
    shot("login-error")


def test_every_admin_page_is_vietnamese_and_labelled(page, login_page, site, shot):
    """Crawl every view of the menu: list, create, details, edit, filters, errors."""
    login_page("admin")
    hrefs = page.eval_on_selector_all("a.dropdown-item[href^='/admin/'], a.nav-link[href^='/admin/']",
                                      "els => [...new Set(els.map(e => e.getAttribute('href')))]")
    lists = sorted({h.split("?")[0] for h in hrefs if h.count("/") == 3 and h.endswith("/")})
    assert "/admin/units/" in lists and len(lists) >= 4
    problems = []
    for url in lists + ["/admin/"]:
        page.goto(site + url)
        pages = [site + url]
        links = page.eval_on_selector_all(
            "a[href*='/new/'], a[href*='/details/'], a[href*='/edit/']",
            "els => els.map(e => e.getAttribute('href'))")
        seen = set()
        for link in links:
            kind = re.search(r"/(new|details|edit)/", link).group(1)
            if kind not in seen:
                seen.add(kind)
                pages.append(site + link if link.startswith("/") else link)
        for target in pages:
            page.goto(target)
            if page.locator("a:has-text('Thêm bộ lọc')").count():
                page.click("a:has-text('Thêm bộ lọc')")
                page.locator(".field-filters a.filter").first.click()
            if "/new/" in target and page.locator("input[type=submit][value='Lưu']").count():
                page.click("input[type=submit][value='Lưu']")  # empty form: validation messages
            name = target.replace(site, "")
            if page.locator("html").get_attribute("lang") != "vi":
                problems.append(f"{name}: no lang=vi")
            if not page.title().strip():
                problems.append(f"{name}: no title")
            english = visible_english(page)
            if english:
                problems.append(f"{name}: English {english}")
            missing = unlabeled_fields(page)
            if missing:
                problems.append(f"{name}: fields without label {missing}")
        shot(url.strip("/").replace("/", "-") or "home")
    page.goto(site + "/admin/units/details/?id=999999")
    assert "Không tìm thấy" in page.inner_text("body")
    assert not problems, "\n".join(problems)
