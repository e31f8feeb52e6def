"""Every sentence the self-service screens show, Chinese first (the kiosk's language), English second.
`{...}` fields are filled by the session; none of them is ever a name or a number in full."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # steps
    "insert_card": {
        "zh": "请将本人身份证放在读卡区",
        "en": "Please place your ID card on the reader",
    },
    "insert_card_detail": {
        "zh": "查询打印{title}，全程不用排队。需要帮助请点“找人帮忙”。",
        "en": "To print your {title}; no queue. Tap “Help” if you need assistance.",
    },
    "querying": {"zh": "{name}，您好。正在向{department}查询，请稍候…", "en": "Hello {name}. Asking {department}…"},
    "preview": {"zh": "请核对以下内容，确认无误后点“打印”", "en": "Please check the record, then tap “Print”"},
    "preview_detail": {"zh": "第 {page} 页，共 {pages} 页", "en": "Page {page} of {pages}"},
    "printing": {"zh": "正在打印，请稍候…", "en": "Printing…"},
    "printing_detail": {"zh": "已打印 {done} 张，共 {sheets} 张", "en": "{done} of {sheets} sheet(s) printed"},
    "printed": {"zh": "打印完成，请取走您的{title}", "en": "Done. Please take your {title}"},
    "printed_detail": {
        "zh": "验证码 {code}。您的信息已从本机清除。",
        "en": "Verification code {code}. Your data has been wiped from this kiosk.",
    },
    "ended": {"zh": "您的信息已从本机清除，谢谢使用", "en": "Your data has been wiped from this kiosk. Thank you"},
    # failures
    "card_failed": {
        "zh": "没有读到身份证，请把证件平放在读卡区再试一次",
        "en": "The card could not be read. Please lay it flat on the reader and try again",
    },
    "card_failed_detail": {"zh": "多次不成功请点“找人帮忙”", "en": "If it keeps failing, tap “Help”"},
    "not_found": {
        "zh": "没有查询到您的记录",
        "en": "No record of yours was found",
    },
    "not_allowed": {"zh": "此记录不能在自助终端打印", "en": "This record cannot be printed at a kiosk"},
    "counter_detail": {
        "zh": "请在工作时间到窗口办理，或点“找人帮忙”",
        "en": "Please go to a counter in opening hours, or tap “Help”",
    },
    "timeout": {"zh": "部门系统响应超时", "en": "The department's system did not answer in time"},
    "service_down": {"zh": "部门系统暂时无法连接", "en": "The department's system cannot be reached now"},
    "bad_answer": {
        "zh": "部门系统返回的数据有误，暂时无法打印",
        "en": "The department's system sent data that cannot be printed",
    },
    "retry_detail": {"zh": "可以点“重试”，或稍后再来", "en": "Tap “Try again”, or come back later"},
    "printer_not_ready": {"zh": "{reason}", "en": "The printer cannot print now"},
    "printer_wait_detail": {
        "zh": "您的材料会在打印机恢复后打印，不会重复打印。离开前请点“取消”。",
        "en": "It will print once the printer is ready, only once. Tap “Cancel” if you leave.",
    },
    "print_failed": {"zh": "打印未能完成", "en": "Printing could not be completed"},
    "print_failed_partial": {
        "zh": "已打印部分页，为避免重复不再自动重打，请联系工作人员",
        "en": "Some pages were printed; to avoid a second copy nothing is reprinted. Please ask staff",
    },
    # buttons
    "prev_page": {"zh": "上一页", "en": "Previous"},
    "next_page": {"zh": "下一页", "en": "Next"},
    "print": {"zh": "打印", "en": "Print"},
    "retry": {"zh": "重试", "en": "Try again"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "home": {"zh": "返回首页", "en": "Home"},
    "help": {"zh": "找人帮忙", "en": "Help"},
}


def text(key: str, language: str = "zh", **fields: object) -> str:
    entry = TEXTS[key]
    return entry.get(language, entry["zh"]).format(**fields)
