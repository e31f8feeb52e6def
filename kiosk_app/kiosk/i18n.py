"""Every sentence the kiosk shows or says, in Simplified Chinese first and English second.

Plain words for citizens, many of them elderly: no codes, no jargon, and never "you must book
online" (seed art. 19). `t(key, lang, **values)` formats one; the formatters below turn numbers
(wait times, time limits, materials) into the same plain words on screen and on paper.
"""

from __future__ import annotations

from typing import Any

from queue_broker.protocol.messages import Material

TEXT: dict[str, tuple[str, str]] = {
    # header, footer, banners
    "app_title": ("政务服务自助机", "Self-service kiosk"),
    "lang_switch": ("English", "中文"),
    "elderly_on": ("长者模式", "Large text"),
    "elderly_off": ("标准模式", "Standard"),
    "home": ("返回首页", "Home"),
    "back": ("返回上一步", "Back"),
    "help_short": ("找人帮忙", "Get help"),
    "offline": (
        "网络连接中断，暂时不能取号。正在自动重新连接，请稍候，或请工作人员帮忙。",
        "The network is down: tickets cannot be issued right now. Reconnecting by itself; please wait or ask the staff.",
    ),
    "server_silent": (
        "大厅服务器暂时没有响应，暂时不能取号。正在自动重试，请稍候。",
        "The hall server is not answering: tickets cannot be issued right now. Retrying; please wait.",
    ),
    "loading_catalog": ("正在从大厅服务器获取办事指南，请稍候…", "Loading the service guides from the hall server…"),
    "after_hours": (
        "现在不是窗口办公时间，下次开放：{when}。自助事项现在就可以办理，办事指南可以查看和打印。",
        "The counters are closed now and open again {when}. Self-service items can be done now; guides can be read and printed.",
    ),
    "elderly_auto": ("已为您切换到长者模式（大字、慢速）", "Large-text mode is on for you"),
    # home
    "home_title": ("您好！请选择要办理的事项", "Hello! Please choose what you need"),
    "frequent": ("常办事项", "Most frequent"),
    "by_department": ("按部门找", "By department"),
    "by_life_event": ("按人生事件找", "By life event"),
    "search": ("搜索事项", "Search"),
    "board_title": ("现在各业务等候情况", "Waiting now"),
    "board_line": ("{name}：等候 {n} 人，{wait}", "{name}: {n} waiting, {wait}"),
    "board_status": ("{name}：{words}", "{name}: {words}"),
    "board_closed": ("{name}：等候 {n} 人，窗口暂未开放", "{name}: {n} waiting, no counter open"),
    "card_ticket": ("刷身份证取号", "Take a ticket with ID card"),
    "appointment": ("预约签到\n扫预约码", "Appointment\ncheck-in"),
    "where_ticket": ("我的号到哪了", "Where is my ticket"),
    "need_help": ("我需要帮助\n帮办代办", "I need help"),
    "need_priority": ("我需要优先办理\n残疾人·绿色通道", "I need priority\nservice"),
    "waiting_n": ("等候 {n} 人", "{n} waiting"),
    "no_counter_open": ("窗口暂未开放", "No counter open now"),
    # browse and search
    "choose_group": ("请选择", "Please choose"),
    "items_n": ("{n} 项", "{n} items"),
    "back_to_groups": ("返回分类", "All groups"),
    "search_hint": (
        "用下面的字母键输入拼音首字母，例如“不动产”输入 bdc",
        "Type pinyin initials with the keys below, e.g. bdc for 不动产",
    ),
    "search_words": ("或点常用词：", "Or tap a word:"),
    "no_results": (
        "没有找到相关事项。可以换个词，或点“找人帮忙”。",
        "Nothing found. Try another word, or tap Get help.",
    ),
    "delete": ("删除", "Delete"),
    "clear": ("清空", "Clear"),
    "prev_page": ("上一页", "Previous"),
    "next_page": ("下一页", "Next"),
    "page_of": ("第 {n}/{total} 页", "Page {n} of {total}"),
    # item
    "queue_now": ("现在前面等候 {n} 人，预计等候 {wait}", "{n} waiting now, about {wait}"),
    "queue_no_counter": (
        "现在等候 {n} 人。此业务的窗口暂未开放，等候时间无法估计。",
        "{n} waiting. No counter serves this now, so the wait cannot be estimated.",
    ),
    "where_to_go": ("办理地点：{where}", "Where: {where}"),
    "tab_conditions": ("办理条件", "Conditions"),
    "tab_materials": ("所需材料", "Materials"),
    "tab_time_fee": ("时限与收费", "Time and fee"),
    "tab_process": ("办理流程", "Process"),
    "take_ticket": ("取  号", "Take a ticket"),
    "print_materials": ("打印材料清单", "Print the materials list"),
    "printing": ("正在打印…", "Printing…"),
    "materials_printed": ("材料清单已打印，请取走", "The list is printed; please take it"),
    "materials_not_printed": (
        "打印机暂时不能打印，请用手机拍下本页的材料清单",
        "The printer cannot print now; please photograph this list",
    ),
    "closed_item": ("窗口已下班，下次开放：{when}。", "The counters are closed; they open {when}."),
    "closed_can_do": (
        "现在可以：打印材料清单，或办理自助事项。",
        "You can print the materials list now, or use a self-service item.",
    ),
    "self_service_item": (
        "此事项可在24小时自助区办理，不用排队。",
        "This item can be done in the 24-hour self-service area, no queue.",
    ),
    "self_service_list": ("现在可办的自助事项", "Self-service items now"),
    # 24-hour self-service records (issue 24): the session's own sentences are in selfservice/texts.py
    "ss_start": ("刷身份证 自助打印", "Print it now with your ID card"),
    "ss_start_note": (
        "此事项在本机自助办理：刷身份证查询，核对后用A4纸打印，不用取号排队。",
        "Done here at this kiosk: lay your ID card, check the record, print it on A4. No ticket, no queue.",
    ),
    "ss_tile": ("24小时自助 · 不用排队", "24-hour self-service, no queue"),
    "ss_elsewhere": (
        "此事项在24小时自助区带A4打印机的自助机上办理，不用排队；本机不能打印。",
        "Done at a kiosk with an A4 printer in the 24-hour self-service area, no queue; this kiosk cannot print it.",
    ),
    "ss_elsewhere_take": ("本机不能自助打印", "Not at this kiosk"),
    "ss_closed": ("自助打印暂停服务", "Self-service printing is closed now"),
    "self_service_unavailable": (
        "本机暂时不能自助打印，请到其他自助机或咨询工作人员。",
        "This kiosk cannot print records now; please use another kiosk or ask the staff.",
    ),
    "ss_action_print": ("打  印", "Print"),
    "ss_action_retry": ("再试一次", "Try again"),
    "ss_action_cancel": ("取消", "Cancel"),
    "ss_action_home": ("返回首页", "Home"),
    "ss_action_help": ("找人帮忙", "Get help"),
    "ss_action_prev_page": ("上一页", "Previous"),
    "ss_action_next_page": ("下一页", "Next"),
    "ss_sheets": ("已打印 {done} 张，共 {total} 张", "{done} of {total} sheets printed"),
    "demo": ("演示", "Demo"),
    "stop_issuing": ("暂停取号", "Tickets paused"),
    "closed_take": ("窗口已下班", "Counters closed"),
    "holder_attached": ("已刷身份证：{name}", "ID card read: {name}"),
    "bundle_of": ("一次取号，一窗办理：{names}", "One ticket, one window: {names}"),
    "online_too": (
        "也可在河南政务服务网办理（不强制网上预约，现场随时可以取号）",
        "Can also be done online (never required: walk-ins always get a ticket)",
    ),
    # 需要手语/文字沟通 (issue 23): the ticket carries it to the counter terminal
    "sign_or_text": ("需要手语/文字沟通", "I need sign language / writing"),
    "sign_or_text_on": ("需要手语/文字沟通：已选，点此取消", "Sign language / writing: chosen (tap to undo)"),
    "sign_or_text_note": (
        "已告知窗口：您需要手语或文字沟通。请留意叫号屏上的号码。",
        "The counter is told you need sign language or writing. Watch the call screen for your number.",
    ),
    # blind mode (kiosk/blind.py): what a sighted helper reads on the screen
    "blind_title": ("语音导航中", "Voice guidance on"),
    "blind_keys": (
        "请使用无障碍键盘：2、8 上下选择，5 或 # 确认，* 返回，1 重听，0 呼叫工作人员",
        "Use the tactile keypad: 2 and 8 move, 5 or # choose, * back, 1 repeat, 0 calls staff",
    ),
    "blind_by_jack": ("已插入耳机", "Headphones in"),
    "blind_exit": ("退出语音导航", "Leave voice guidance"),
    "blind_number": ("号码 {number}", "Number {number}"),
    # ticket
    "ticket_pending": ("正在为您取号，请稍候…", "Taking your ticket…"),
    "ticket_retrying": (
        "网络不稳定，正在重试，请不要离开。不会重复取号。",
        "The network is unstable; retrying. Please wait: you will not get two tickets.",
    ),
    "your_number": ("您的号码", "Your number"),
    "ahead_n": ("前面还有 {n} 人", "{n} ahead of you"),
    "ahead_zero": ("前面没有人，请留意叫号", "Nobody ahead: listen for your number"),
    "wait_about": ("预计等候 {wait}", "Expected wait {wait}"),
    "wait_unknown": (
        "此业务的窗口暂未开放，等候时间无法估计，请咨询工作人员",
        "No counter open for this yet; please ask the staff",
    ),
    "scan_to_check": ("扫码可查看排队进度", "Scan to follow your place"),
    "printed": ("取号单已打印，请从下方出票口取走", "Your ticket is printed below; please take it"),
    "print_in_progress": ("正在打印取号单…", "Printing your ticket…"),
    "print_failed": (
        "打印机暂时无法出票（{reason}）。请用手机拍下本页的号码和二维码，凭此办理，号码已经有效。",
        "The printer cannot print ({reason}). Please photograph this number and QR code: your ticket is valid.",
    ),
    "no_printer": (
        "本机没有打印机。请用手机拍下本页的号码和二维码，凭此办理。",
        "No printer here: please photograph this number and QR code.",
    ),
    "done": ("完成，返回首页", "Done"),
    "cancel": ("取消", "Cancel"),
    "try_again": ("再试一次", "Try again"),
    "priority_elderly": ("您已享受长者优先", "Senior priority applied"),
    "priority_appointment": ("预约签到成功，将优先叫号", "Checked in: you will be called with priority"),
    "priority_green": ("绿色通道", "Green channel"),
    "appt_early": ("还没到您的预约时段，已按现场取号为您排队", "Too early for your slot: you are queued as a walk-in"),
    "appt_late": ("已过预约时段，已按现场取号为您排队", "Your slot has passed: you are queued as a walk-in"),
    "appt_not_found": (
        "没有找到预约，已按现场取号为您排队（不预约也可以办理）",
        "No appointment found: you are queued as a walk-in (no booking needed)",
    ),
    "appt_already": (
        "此预约已经签到过，已按现场取号为您排队",
        "This appointment was already checked in: you are queued as a walk-in",
    ),
    "appt_service": ("预约签到", "Appointment check-in"),
    "err_closed": (
        "现在不能取号：窗口已下班。下次开放：{when}。",
        "No tickets now: the counters are closed. They open {when}.",
    ),
    "err_full": ("现在不能取号：{detail}。请咨询工作人员。", "No ticket: {detail}. Please ask the staff."),
    "err_card": (
        "身份证信息无法使用，请不刷证直接取号，或请工作人员帮忙。",
        "This ID card cannot be used; take a ticket without it or ask the staff.",
    ),
    "err_other": (
        "取号没有成功：{detail}。请再试一次或请工作人员帮忙。",
        "The ticket could not be issued: {detail}. Try again or ask the staff.",
    ),
    "err_cancelled": ("已取消", "Cancelled"),
    # ID card
    "card_title": ("刷身份证取号", "Take a ticket with your ID card"),
    "card_place": ("请把身份证平放在下方读卡区", "Please lay your ID card on the reader below"),
    "card_why": (
        "刷证后，70岁以上长者优先，已预约的自动签到。不刷证也可以直接选事项取号。",
        "With your card, seniors get priority and appointments check in. You can also take a ticket without it.",
    ),
    "card_hello": ("{name}，您好！请选择要办理的事项", "Hello {name}! Please choose what you need"),
    "card_fault": (
        "读卡器暂时不能使用，请直接选择事项取号，或请工作人员帮忙。",
        "The card reader is not working; choose an item directly or ask the staff.",
    ),
    "card_unusable": (
        "这张证件无法读取，请重新放一次，或不刷证直接取号。",
        "This card cannot be read; try again or continue without it.",
    ),
    "without_card": ("不刷证，直接取号", "Continue without card"),
    # appointment
    "appt_title": ("预约签到", "Appointment check-in"),
    "appt_scan": ("请把预约二维码对准下方扫码口", "Hold your appointment QR code to the scanner below"),
    "appt_or_card": ("也可以把预约时用的身份证放在读卡区", "Or lay the ID card you booked with on the reader"),
    "appt_walk_in": ("没有预约也能办：直接取号", "No appointment? Take a ticket now"),
    # lookup
    "lookup_title": ("我的号到哪了", "Where is my ticket"),
    "lookup_scan": ("请把取号单上的二维码对准下方扫码口", "Hold the QR code on your ticket to the scanner below"),
    "lookup_wait": ("正在查询…", "Looking it up…"),
    "lookup_not_found": (
        "没有找到这张取号单，请确认是今天的号，或请工作人员帮忙",
        "This ticket was not found; is it today's? Ask the staff if needed",
    ),
    "state_waiting": ("等候中", "Waiting"),
    "state_called": ("正在叫您的号，请到 {counter} 办理", "You are being called: please go to {counter}"),
    "state_serving": ("正在 {counter} 办理", "Being served at {counter}"),
    "state_done": ("已办结", "Done"),
    "state_no_show": ("已过号，请重新取号或咨询工作人员", "Missed: please take a new ticket or ask the staff"),
    "state_transferred": ("已转到其他业务排队", "Moved to another queue"),
    "state_cancelled": ("已取消", "Cancelled"),
    "counter_unknown": ("窗口", "the counter"),
    # help
    "help_title": ("我需要帮助", "I need help"),
    "help_sent": (
        "已通知大厅工作人员，请在这里稍候，工作人员马上过来帮您（帮办代办）。",
        "The hall staff have been told; please wait here, someone is coming to help you.",
    ),
    "help_offline": (
        "网络中断，通知可能还没送到。请向大厅工作人员招手，或拨打服务热线 12345。",
        "The network is down, the staff may not know yet. Please wave to the staff or call 12345.",
    ),
    "help_cancel": ("不需要了，取消求助", "Cancel the help request"),
    "help_sending": ("正在通知大厅工作人员，请稍候……", "Calling the hall staff, please wait…"),
    "help_failed": (
        "暂时没能通知到工作人员，正在重试。也可以向大厅工作人员招手，或到咨询台求助。",
        "The staff could not be told yet; retrying. You can also wave to the staff or go to the information desk.",
    ),
    # asking for priority: the kiosk cannot check who may be served first, so it calls a member of staff
    "priority_title": ("我需要优先办理", "I need priority service"),
    "priority_who": (
        "残疾人、军人军属及优抚对象、危急重症或紧急事项等可以优先办理。是否优先由工作人员当面核实，自助机不能直接发优先号。",
        "Disabled people, service members and their families, urgent medical or emergency matters and others "
        "can be served first. Staff check this with you in person: the kiosk cannot give a priority ticket itself.",
    ),
    "priority_sent": (
        "已通知工作人员，马上会有人过来。请在这里稍候，核实后为您办理优先取号。",
        "A member of staff has been called and is coming. Please wait here; they will check and give you a priority ticket.",
    ),
    "priority_cancel": ("不需要了，返回首页", "No longer needed: back to the start"),
    # screensaver
    "touch_to_start": ("轻触屏幕开始办理", "Touch the screen to start"),
    "hours_line": ("窗口办公时间：{hours}", "Counter hours: {hours}"),
    "self_service_24h": (
        "24小时自助服务区：自助事项随时可办",
        "24-hour self-service area: self-service items any time",
    ),
    # speech (elderly mode)
    "say_home": ("您好，请点击屏幕上要办理的事项，或者刷身份证取号。", ""),
    "say_item": ("{name}。前面等候{n}人。点击取号按钮取号。", ""),
    "say_ticket": ("您的号码是{number}，前面还有{n}人，请留意叫号。", ""),
    "say_ticket_photo": ("打印机暂时不能出票，请用手机拍下屏幕上的号码和二维码。", ""),
    "say_card": ("请把身份证平放在读卡区。", ""),
    "say_help": ("已经通知工作人员，请在这里稍等。", ""),
    "say_priority": ("已经通知工作人员，请在这里稍等，工作人员核实后为您优先办理。", ""),
}


def t(key: str, lang: str = "zh", **values: Any) -> str:
    zh, en = TEXT[key]
    text = en if lang == "en" and en else zh
    return text.format(**values) if values else text


def minutes(seconds: int) -> int:
    return max(0, round(seconds / 60))


def wait_text(low_s: int, high_s: int, lang: str = "zh") -> str:
    """An honest range in whole minutes: '约 5–12 分钟'; under a minute: '马上就到'."""
    lo, hi = sorted((minutes(low_s), minutes(high_s)))
    if hi == 0:
        return "马上就到" if lang == "zh" else "moments"
    hi = max(hi, lo + 1) if lo else hi  # a range, not a false promise of the minute
    if lo == 0:
        return f"不到 {hi} 分钟" if lang == "zh" else f"under {hi} min"
    return f"约 {lo}–{hi} 分钟" if lang == "zh" else f"about {lo}–{hi} min"


def time_limit_text(days: int, lang: str = "zh") -> str:
    if days <= 0:
        return "即办（材料齐全当场办结）" if lang == "zh" else "on the spot"
    return f"{days} 个工作日" if lang == "zh" else f"{days} working days"


def material_text(m: Material, lang: str = "zh") -> str:
    counts = []
    if m.originals:
        counts.append(f"原件 {m.originals} 份")
    if m.copies:
        counts.append(f"复印件 {m.copies} 份")
    parts = [m.name]
    if counts:
        parts.append("（" + "，".join(counts) + "）")
    if m.form:
        parts.append(f"［{m.form}］")
    if not m.required:
        parts.append("（如有）")
    if m.note:
        parts.append(f"：{m.note}")
    return "".join(parts)
