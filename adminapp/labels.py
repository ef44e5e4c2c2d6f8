"""Vietnamese labels of enum values, shown to people (code stays English)."""

UNIT_KINDS = {
    "confederation": "Tổng Liên đoàn",
    "province_federation": "LĐLĐ tỉnh/thành phố",
    "sector_union": "Công đoàn ngành Trung ương",
    "corporation_union": "Công đoàn Tổng Công ty",
    "district_union": "Công đoàn cấp trên trực tiếp cơ sở",
    "grassroots": "Công đoàn cơ sở",
    "government_body": "Cơ quan nhà nước",
    "other": "Khác",
}

LEVELS = {
    0: "Cấp 0 – Trung ương",
    1: "Cấp 1 – Tỉnh/ngành",
    2: "Cấp 2 – Huyện/tương đương",
    3: "Cấp 3 – Cơ sở",
    4: "Cấp 4",
    5: "Cấp 5",
}

AUDIT_ACTIONS = {
    "user.login": "Đăng nhập",
    "user.logout": "Đăng xuất",
    "user.logout_all": "Đăng xuất khỏi mọi thiết bị",
    "user.password_change": "Đổi mật khẩu",
    "user.create": "Tạo người dùng",
    "user.update": "Sửa người dùng",
    "user.delete": "Xóa người dùng",
    "unit.create": "Tạo đơn vị",
    "unit.update": "Sửa đơn vị",
    "unit.move": "Chuyển đơn vị",
    "unit.rename": "Đổi tên đơn vị",
    "unit.reorganise": "Sắp xếp lại đơn vị (sáp nhập, chuyển, kết thúc cấp)",
    "reorganisation.plan": "Lập kế hoạch sắp xếp đơn vị",
    "reorganisation.cancel": "Hủy kế hoạch sắp xếp đơn vị",
    "unit.delete": "Xóa đơn vị",
    "role.create": "Tạo vai trò",
    "role.update": "Sửa vai trò",
    "role.delete": "Xóa vai trò",
}

OBJECT_TYPES = {
    "unit": "Đơn vị",
    "user_account": "Người dùng",
    "role": "Vai trò",
}

YES_NO = {True: "Có", False: "Không"}

# campaigns

LAUNCH_LEVELS = {
    "national": "Cấp trung ương/toàn quốc",
    "province": "Cấp tỉnh/tương đương",
    "district": "Cấp huyện/tương đương",
    "grassroots": "Cấp cơ sở",
}

CAMPAIGN_KINDS = {
    "regular": "Thường xuyên",
    "thematic": "Theo chuyên đề (theo đợt)",
}

CAMPAIGN_STATUSES = {
    "draft": "Bản nháp (chưa phát động)",
    "launched": "Đã phát động",
    "archived": "Đã kết thúc",
}

REGISTRATION_STATUSES = {
    "not_sent": "Chưa gửi",
    "pending": "Chờ duyệt",
    "rejected": "Từ chối",
    "approved": "Đã duyệt",
}

# A list whose approval was revoked is back with its unit ("pending" with reopened): named for what it is.
REGISTRATION_REOPENED = "Bị hủy phê duyệt – chờ đơn vị gửi lại"
REGISTRATION_RESEND = "Gửi lại"

REGISTRATION_ACTIONS = {
    "send": "Gửi",
    "approve": "Phê duyệt",
    "reject": "Từ chối",
    "revoke": "Hủy phê duyệt",
}

PARTICIPANT_KINDS = {
    "individual": "Cá nhân",
    "collective": "Tập thể",
}

# Default roles of a participating unit (seeded as data, editable).
DEFAULT_CAMPAIGN_ROLES = [
    ("lead", "Chủ trì"),
    ("cluster_head", "Trưởng cụm/khối"),
    ("cluster_deputy", "Phó cụm/khối"),
    ("member", "Thành viên"),
]

AUDIT_ACTIONS.update({
    "campaign.create": "Tạo phong trào",
    "campaign.update": "Sửa phong trào",
    "campaign.launch": "Phát động phong trào",
    "campaign.archive": "Kết thúc phong trào",
    "campaign.delete": "Xóa phong trào (bản nháp)",
    "campaign.unit_add": "Thêm đơn vị tham gia",
    "campaign.unit_remove": "Bỏ đơn vị tham gia",
    "campaign.attachment_add": "Thêm tệp đính kèm",
    "campaign.attachment_remove": "Xóa tệp đính kèm",
    "campaign.link_add": "Thêm liên kết",
    "campaign.link_remove": "Xóa liên kết",
    "registration.send": "Gửi danh sách đăng ký",
    "registration.approve": "Phê duyệt danh sách đăng ký",
    "registration.reject": "Từ chối danh sách đăng ký",
    "registration.revoke": "Hủy phê duyệt danh sách đăng ký",
    "registration.participants": "Cập nhật danh sách thành viên",
    "registration.import": "Nhập danh sách thành viên từ tệp",
})

OBJECT_TYPES.update({
    "campaign": "Phong trào thi đua",
    "registration": "Đăng ký tham gia phong trào",
})

# initiatives
INITIATIVE_STATUSES = {
    "awaiting": "Chờ thông qua",
    "not_passed": "Không được thông qua",
    "submitted": "Đã nộp",
    "appraised": "Đã thẩm định",
    "nominated": "Đề xuất lên cấp trên",
    "selected": "Đã xét chọn",
    "honoured": "Được biểu dương",
    "rejected": "Không đạt",
}

INITIATIVE_ACTIONS = {
    "appraise": "Thẩm định",
    "select": "Xét chọn",
    "nominate": "Đề xuất lên cấp trên",
    "withdraw": "Rút đề xuất",
    "reject": "Không đạt",
    "honour": "Biểu dương",
    "pass": "Thông qua",
    "block": "Không thông qua",
}

INITIATIVE_GROUPS = {
    "enterprise": "Doanh nghiệp",
    "administration": "Khối cơ quan (hành chính sự nghiệp)",
}

# The five fields of seed 004 §3 (offered by default; a programme may change its list).
DEFAULT_INITIATIVE_FIELDS = [
    "Sản xuất",
    "Sản phẩm mới",
    "An toàn vệ sinh lao động, bảo vệ môi trường",
    "Cải cách hành chính, xây dựng Đảng và hệ thống chính trị, quản lý, điều hành",
    "Vì cộng đồng (y tế, giáo dục)",
]

PROGRAMME_STATUSES = {
    "draft": "Nháp (chưa công bố)",
    "published": "Đã công bố",
    "archived": "Đã lưu trữ",
}

AUDIT_ACTIONS.update({
    "programme.create": "Tạo chương trình sáng kiến",
    "programme.update": "Sửa chương trình sáng kiến",
    "programme.quota_allot": "Phân bổ chỉ tiêu sáng kiến",
    "initiative.submit": "Nộp sáng kiến",
    "initiative.appraise": "Thẩm định sáng kiến",
    "initiative.select": "Xét chọn sáng kiến",
    "initiative.nominate": "Đề xuất sáng kiến lên cấp trên",
    "initiative.withdraw": "Rút đề xuất sáng kiến",
    "initiative.reject": "Sáng kiến không đạt",
    "initiative.honour": "Biểu dương sáng kiến",
    "initiative.flags": "Cập nhật khiếu nại/tranh chấp",
    "dossier.update": "Cập nhật hồ sơ xét chọn",
    "dossier.send": "Gửi hồ sơ xét chọn",
})

OBJECT_TYPES.update({
    "programme": "Chương trình sáng kiến",
    "programme_quota": "Chỉ tiêu sáng kiến",
    "initiative": "Sáng kiến",
    "initiative_dossier": "Hồ sơ xét chọn sáng kiến",
})

# background jobs
EXPORT_JOB_STATUSES = {
    "queued": "Đang chờ",
    "running": "Đang xuất",
    "done": "Hoàn thành",
    "failed": "Lỗi",
    "expired": "Đã hết hạn",
}
OBJECT_TYPES.update({"export_job": "Tệp xuất"})

# revisions and restores (issue 12)
AUDIT_ACTIONS.update({
    "unit.restore": "Khôi phục đơn vị từ lịch sử",
    "user.restore": "Khôi phục tài khoản từ lịch sử",
    "role.restore": "Khôi phục vai trò từ lịch sử",
    "programme.restore": "Khôi phục chương trình từ lịch sử",
    "registration.restore": "Khôi phục danh sách thành viên từ lịch sử",
})


def audit_states() -> dict[str, str]:
    """Every state an audit event can move from or to, in Vietnamese (the log and its export read these)."""
    states: dict[str, str] = {}
    for mapping in (CAMPAIGN_STATUSES, REGISTRATION_STATUSES, INITIATIVE_STATUSES, PROGRAMME_STATUSES,
                    DOSSIER_STATES):
        states.update(mapping)
    return states


DOSSIER_STATES = {"draft": "Đang lập", "sent": "Đã gửi"}

# deadlines as rules (issue 15)
DEADLINE_POLICIES = {
    "late": "Vẫn nhận sau hạn, đánh dấu “Nộp muộn”",
    "refuse": "Không nhận sau hạn",
}
LATE_CHOICES = {"1": "Nộp muộn", "0": "Đúng hạn"}
AUDIT_ACTIONS.update({"deadline.extend": "Gia hạn", "initiative.secret": "Đánh dấu bí mật công nghệ",
                      "initiative.pass": "Ban tổ chức thông qua sáng kiến",
                      "initiative.block": "Ban tổ chức không thông qua sáng kiến"})
OBJECT_TYPES.update({"deadline_extension": "Gia hạn"})
