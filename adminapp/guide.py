"""On-screen guidance (issue 15): a short Vietnamese guide per workflow, at /huong-dan/<slug>, with
screenshots that the end-to-end suite takes on every run (tests/e2e/test_guide_e2e.py writes them to
adminapp/static/guide/), so the pictures follow the screens. Every admin page has a help icon (?) that
opens the guide of its workflow (HELP_BY_ENDPOINT); public pages link the members' guide.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, request, url_for

STATIC = Path(__file__).parent / "static" / "guide"

# slug -> (title, intro, [(step text, screenshot file or None)])
GUIDES: dict[str, tuple[str, str, list[tuple[str, str | None]]]] = {
    "phong-trao": (
        "Phát động phong trào và duyệt danh sách đăng ký",
        "Dành cho chuyên viên TĐKT của đơn vị phát động.",
        [("Vào Phong trào → Phát động, bấm Tạo mới; nhập tên, thời gian, hạn đăng ký và chọn cách xử lý danh sách "
          "gửi sau hạn (không nhận, hoặc vẫn nhận và đánh dấu “Nộp muộn”).", "phong-trao-1.png"),
         ("Chọn các đơn vị tham gia và vai trò của từng đơn vị, rồi bấm Lưu và phát động.", None),
         ("Ở trang phong trào, bấm “Danh sách đăng ký của các đơn vị”: các thẻ Tổng hợp / Chưa gửi / Chờ duyệt / "
          "Từ chối / Đã duyệt, bộ lọc Nộp muộn; chọn nhiều dòng rồi Phê duyệt hoặc Từ chối (nhập lý do).",
          "phong-trao-2.png"),
         ("Cần gia hạn: ở trang phong trào, khung “Gia hạn đăng ký”, chọn mọi đơn vị hoặc một đơn vị, nhập hạn "
          "mới và lý do.", "phong-trao-3.png")],
    ),
    "dang-ky": (
        "Lập và gửi danh sách thành viên tham gia",
        "Dành cho đơn vị tham gia phong trào.",
        [("Vào Phong trào → Phong trào được phát động, mở phong trào, bấm “Danh sách thành viên tham gia của "
          "đơn vị”. Khung màu ở đầu trang cho biết hạn đăng ký (hết 24:00 giờ Việt Nam) và điều gì xảy ra nếu gửi "
          "sau hạn.", "dang-ky-1.png"),
         ("Thêm từng thành viên, hoặc tải tệp mẫu Excel, điền rồi bấm “Xem trước khi nhập”: trang xem trước liệt "
          "kê dòng mới, dòng thay đổi và dòng lỗi; bấm Xác nhận nhập để lưu hoặc Hủy.", "dang-ky-2.png"),
         ("Bấm Gửi danh sách. Danh sách bị từ chối thì sửa và gửi lại.", None)],
    ),
    "sang-kien": (
        "Xét sáng kiến qua các cấp",
        "Dành cho Ban tổ chức và cán bộ thẩm định, xét chọn của các cấp.",
        [("Vào Sáng kiến → Danh sách sáng kiến. Nếu chương trình có bước Ban tổ chức thông qua, Ban tổ chức chọn "
          "các sáng kiến “Chờ thông qua” rồi chọn thao tác Thông qua hoặc Không thông qua (nhập lý do).",
          "sang-kien-1.png"),
         ("Công đoàn cơ sở thẩm định (nhập điểm hoặc ý kiến), rồi đề xuất lên cấp trên trong chỉ tiêu; cấp trên "
          "xét chọn và đề xuất tiếp; đơn vị phát động biểu dương.", None),
         ("Sáng kiến có bí mật công nghệ: ở trang chi tiết, cán bộ thẩm định bấm “Đánh dấu bí mật công nghệ”. "
          "Ngoài các đơn vị đang xét, chỉ hiện tên, hiệu quả và khen thưởng.", "sang-kien-2.png")],
    ),
    "ho-so": (
        "Lập và gửi hồ sơ xét chọn",
        "Dành cho chuyên viên của đơn vị gửi hồ sơ lên cấp trên.",
        [("Vào trang chương trình → Hồ sơ xét chọn. Khung màu cho biết hạn nộp hồ sơ và chính sách sau hạn; "
          "bảng kiểm tra cho biết hồ sơ đã hợp lệ chưa.", "ho-so-1.png"),
         ("Nhập số, ngày, người ký và tải Tờ trình lên; tải Bảng tổng hợp tóm tắt sáng kiến để in; bấm Gửi hồ sơ.",
          None)],
    ),
    "nop-sang-kien": (
        "Nộp sáng kiến và theo dõi kết quả",
        "Dành cho đoàn viên, người lao động (không cần tài khoản).",
        [("Mở đường dẫn hoặc quét mã QR của chương trình, điền biểu mẫu (chọn ô “bí mật công nghệ” nếu cần) và bấm "
          "Nộp sáng kiến; ghi lại mã tra cứu.", "nop-sang-kien-1.png"),
         ("Trang Tra cứu: nhập mã và số điện thoại để xem trạng thái (kể cả “Chờ thông qua” và lý do nếu không "
          "được thông qua).", None),
         ("Trang Kết quả chương trình: các sáng kiến được biểu dương, số sáng kiến theo tỉnh, ngành và biểu đồ.",
          "nop-sang-kien-2.png")],
    ),
}

# the guide of each admin page, by endpoint (view) name
HELP_BY_ENDPOINT = {
    "campaigns": "phong-trao", "campaign_roles": "phong-trao", "received_campaigns": "dang-ky",
    "registrations": "dang-ky", "campaign": "phong-trao", "initiatives": "sang-kien", "programmes": "sang-kien",
}

bp = Blueprint("guide", __name__, url_prefix="/huong-dan")


def help_url() -> str:
    """The guide of the current admin page (the help icon's target)."""
    endpoint = (request.endpoint or "").split(".")[0]
    slug = HELP_BY_ENDPOINT.get(endpoint)
    if endpoint == "campaign" and (request.view_args or {}).get("registration_id"):
        slug = "dang-ky"
    if endpoint == "programmes" and "dossier" in (request.endpoint or ""):
        slug = "ho-so"
    return url_for("guide.page", slug=slug) if slug else url_for("guide.index")


@bp.route("/")
def index():
    return render_template("guide/index.html", guides=GUIDES)


@bp.route("/<slug>")
def page(slug):
    if slug not in GUIDES:
        abort(404)
    title, intro, steps = GUIDES[slug]
    shown = [(text, image if image and (STATIC / image).exists() else None) for text, image in steps]
    return render_template("guide/page.html", slug=slug, title=title, intro=intro, steps=shown, guides=GUIDES)
