"""Believable records for the department simulator, the same for the same citizen every time.

Everything is derived from a keyed hash of the ID number (HMAC-SHA256 with the simulator's `seed`), the
age and sex the number itself carries, and the month asked about. Figures follow the rules such records
show (Henan, 2026, approximately): pension 16 % employer + 8 % employee of a base between 60 % and
300 % of the provincial average wage, unemployment 0.7 % + 0.3 %, employees' medical insurance 7 % +
2 %, residents' medical insurance 400 yuan a year, housing fund 5-12 % each side, income tax by the
cumulative withholding method (5,000 yuan a month, the 3-45 % table). Employers, roads and numbers are
invented. Every record is marked `simulated` and says so on paper.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from queue_broker.protocol import Holder
from queue_broker.security.identity import birth_date, mask_id_number, mask_name

from .adapter import QueryParams
from .document import Document, Entry, Seal, Table
from .errors import NotAllowed, NotFound

TZ = ZoneInfo("Asia/Shanghai")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I

EMPLOYERS = (
    "内乡县恒达商贸有限公司",
    "河南伏牛农产品开发有限公司",
    "内乡县顺通物流有限公司",
    "南阳市鑫源建材有限公司",
    "内乡县菊潭纺织有限公司",
    "内乡县宏远建筑安装有限公司",
    "河南湍河电子科技有限公司",
    "内乡县康华医药连锁有限公司",
    "内乡县城关镇社区卫生服务中心",
    "内乡县明德实验学校",
)
ROADS = ("菊潭大道", "县衙路", "范蠡大街", "渚阳路", "湍河路", "郦都大道", "文化路", "建设西路")
TOWNS = ("城关镇", "湍东镇", "灌涨镇", "马山口镇", "赤眉镇", "师岗镇")


@dataclass(frozen=True)
class Citizen:
    """What the simulator knows of a citizen: their keyed hash and what the ID number says."""

    digest: bytes
    born: date
    male: bool
    name_masked: str
    id_masked: str

    def age_on(self, day: date) -> int:
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month, self.born.day))

    def rng(self, salt: str) -> random.Random:
        return random.Random(int.from_bytes(hashlib.sha256(self.digest + salt.encode()).digest()[:8], "big"))

    def retired_on(self, day: date) -> bool:
        return self.age_on(day) >= (60 if self.male else 55)


def citizen(seed: str, holder: Holder) -> Citizen:
    digest = hmac.new(seed.encode(), holder.id_number.encode(), hashlib.sha256).digest()
    born = birth_date(holder.id_number) or date(1980, 1, 1)  # the older 15-character foreign numbers carry none
    male = holder.id_number[16:17].isdigit() and int(holder.id_number[16]) % 2 == 1
    return Citizen(digest, born, male, mask_name(holder.name), mask_id_number(holder.id_number))


# --- periods and formatting -------------------------------------------------------------------


def months_back(last: date, n: int) -> list[date]:
    """The first days of the `n` months ending with `last`'s month, oldest first."""
    out, y, m = [], last.year, last.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def period_months(params: QueryParams, today: date) -> list[date]:
    """The months asked for: a calendar year (only its past months), or `months` ending last month."""
    last_full = date(today.year, today.month, 1) - timedelta(days=1)
    if params.year is not None:
        if params.year > last_full.year:
            raise NotFound(f"year {params.year} has no finished month yet")
        end = date(params.year, 12, 1) if params.year < last_full.year else last_full
        return [m for m in months_back(end, 12) if m.year == params.year]
    return months_back(last_full, params.months)


def ym(d: date) -> str:
    return f"{d.year}{d.month:02d}"


def ym_cn(d: date) -> str:
    return f"{d.year}年{d.month}月"


def money(x: float) -> str:
    return f"{x:,.2f}"


def period_text(months: list[date]) -> str:
    return f"{ym_cn(months[0])}至{ym_cn(months[-1])}"


def code(c: Citizen, *parts: str) -> str:
    """The verification code: 16 characters from the citizen's hash, the record and the day."""
    mac = hmac.new(c.digest, "|".join(parts).encode(), hashlib.sha256).digest()
    chars = "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in mac[:16])
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def reference(prefix: str, c: Citizen, today: date, kind: str) -> str:
    serial = int.from_bytes(hmac.new(c.digest, f"ref|{kind}|{today}".encode(), hashlib.sha256).digest()[:4], "big")
    return f"{prefix}{today:%Y%m%d}{serial % 10**8:08d}"


def issued(
    c: Citizen, now: datetime, issuer: str, prefix: str, seal: str, hint: str, period: str = "", **fields
) -> Document:
    """A record with what every one carries: the masked citizen, the issuer and its seal, the reference
    and the verification code (from the citizen, the record and the day), marked as simulated."""
    today = now.astimezone(TZ).date()
    kind = prefix.lower()
    return Document(
        holder_name_masked=c.name_masked,
        holder_id_masked=c.id_masked,
        issuer=issuer,
        period=period,
        seal=Seal(organisation=issuer, purpose=seal),
        reference=reference(prefix, c, today, kind),
        verification_code=code(c, kind, str(today), *([period] if period else [])),
        verify_hint=hint,
        issued_at=now,
        simulated=True,
        **fields,
    )


def base_wage(c: Citizen) -> float:
    """A monthly contribution base between the floor and about 2.5 times the provincial average."""
    return round(c.rng("base").choice([3900, 4200, 4600, 5100, 5800, 6500, 7400, 8600, 10200]) / 100) * 100.0


def employer(c: Citizen) -> str:
    return c.rng("employer").choice(EMPLOYERS)


def first_insured(c: Citizen) -> date:
    start_age = c.rng("start").randint(19, 26)
    return date(c.born.year + start_age, c.rng("start-m").randint(1, 12), 1)


# --- the five records --------------------------------------------------------------------------

Maker = Callable[[Citizen, QueryParams, datetime, str], Document]


def social_insurance_record(c: Citizen, params: QueryParams, now: datetime, issuer: str) -> Document:
    today = now.astimezone(TZ).date()
    if c.age_on(today) < 16:
        raise NotFound("no insurance record for a citizen under 16")
    months = period_months(params, today)
    flexible = c.rng("flex").random() < 0.2  # 灵活就业人员: pays both shares alone, 20 % of the base
    base = base_wage(c)
    start = first_insured(c)
    retired = c.retired_on(today)
    entries = [
        Entry(label="参保地", value="河南省南阳市内乡县"),
        Entry(label="参保身份", value="灵活就业人员" if flexible else "企业职工"),
    ]
    if not flexible:
        entries.append(Entry(label="参保单位", value=employer(c)))
    entries += [
        Entry(label="参保险种", value="企业职工基本养老保险" + ("" if flexible else "、失业保险、工伤保险")),
        Entry(label="首次参保年月", value=ym_cn(start)),
        Entry(label="参保状态", value="退休（按月领取基本养老金）" if retired else "参保缴费"),
    ]
    if retired:
        pension = round(base * 0.55 + c.rng("pension").randint(300, 900), 2)
        rows = [[ym(m), money(pension), "已发放"] for m in months]
        tables = [Table(title="基本养老金发放记录", columns=["发放年月", "发放金额（元）", "发放状态"], rows=rows)]
        totals = [Entry(label="本期发放合计（元）", value=money(pension * len(months)))]
    else:
        rows = []
        for m in months:
            if m < start:
                continue
            if flexible:
                rows.append([ym(m), money(base), "0.00", money(base * 0.20), "—", "已到账"])
            else:
                rows.append([ym(m), money(base), money(base * 0.16), money(base * 0.08), money(base * 0.003), "已到账"])
        if not rows:
            raise NotFound("no contribution in the period asked for")
        columns = ["费款所属期", "缴费基数", "养老单位缴纳", "养老个人缴纳", "失业个人缴纳", "到账状态"]
        tables = [Table(title="缴费明细", columns=columns, rows=rows)]
        paid_months = (months[-1].year - start.year) * 12 + months[-1].month - start.month + 1
        personal = sum(float(r[3].replace(",", "")) for r in rows)
        totals = [
            Entry(label="养老保险累计缴费月数", value=f"{paid_months}个月"),
            Entry(label="本期个人缴纳养老保险合计（元）", value=money(personal)),
        ]
    return issued(
        c,
        now,
        issuer,
        "SB",
        "社会保险业务专用章",
        "可登录河南省人力资源和社会保障网上服务平台或拨打 12333，凭验证码核验本证明。",
        period_text(months),
        kind="social_insurance_record",
        title="社会保险个人权益记录（参保缴费证明）",
        entries=entries,
        tables=tables,
        totals=totals,
        notes=["本证明记载截至出具日前已到账的参保缴费信息；欠缴、补缴未到账的月份不列入。"],
    )


def medical_insurance_certificate(c: Citizen, params: QueryParams, now: datetime, issuer: str) -> Document:
    today = now.astimezone(TZ).date()
    employee = 18 <= c.age_on(today) and not c.retired_on(today) and c.rng("flex").random() >= 0.35
    months = period_months(params, today)
    base = base_wage(c)
    if employee:
        kind_name = "职工基本医疗保险"
        rows = [[ym(m), money(base), money(base * 0.07), money(base * 0.02), "已到账"] for m in months]
        tables = [
            Table(title="缴费明细", columns=["缴费年月", "缴费基数", "单位缴纳", "个人缴纳", "到账状态"], rows=rows)
        ]
        entries = [Entry(label="参保单位", value=employer(c))]
        totals = [Entry(label="本期个人缴纳合计（元）", value=money(base * 0.02 * len(months)))]
    else:
        kind_name = "城乡居民基本医疗保险"
        years = sorted({m.year for m in months} | {today.year})
        rows = [
            [str(y), "400.00", f"{y - 1}年{c.rng(f'pay{y}').randint(9, 12)}月", f"{y}年1月1日至{y}年12月31日"]
            for y in years
        ]
        tables = [Table(title="缴费记录", columns=["缴费年度", "缴费金额（元）", "缴费时间", "待遇享受期"], rows=rows)]
        entries = [Entry(label="参保身份", value="退休人员" if c.retired_on(today) else "城乡居民")]
        totals = []
    entries = [
        Entry(label="险种", value=kind_name),
        Entry(label="参保地", value="河南省南阳市内乡县"),
        *entries,
        Entry(label="参保状态", value="正常参保"),
        Entry(label="本年度待遇享受状态", value="正常享受"),
    ]
    return issued(
        c,
        now,
        issuer,
        "YB",
        "医疗保障业务专用章",
        "可通过国家医保服务平台或拨打 12393，凭验证码核验本凭证。",
        period_text(months),
        kind="medical_insurance_certificate",
        title="基本医疗保险参保凭证",
        entries=entries,
        tables=tables,
        totals=totals,
        notes=["本凭证用于证明参保人在本统筹区的参保缴费情况，有效期以出具日起 3 个月为限。"],
    )


TAX_BRACKETS = (  # cumulative annual taxable income: up to, rate, quick deduction
    (36000, 0.03, 0),
    (144000, 0.10, 2520),
    (300000, 0.20, 16920),
    (420000, 0.25, 31920),
    (660000, 0.30, 52920),
    (960000, 0.35, 85920),
    (float("inf"), 0.45, 181920),
)


def _cumulative_tax(taxable: float) -> float:
    for upper, rate, quick in TAX_BRACKETS:
        if taxable <= upper:
            return max(0.0, taxable * rate - quick)
    raise AssertionError("unreachable")


def individual_income_tax_record(c: Citizen, params: QueryParams, now: datetime, issuer: str) -> Document:
    today = now.astimezone(TZ).date()
    if c.age_on(today) < 18 or c.retired_on(today) or c.rng("taxed").random() < 0.15:
        raise NotFound("no income tax withheld for this citizen")
    months = period_months(params, today)
    salary = base_wage(c) * c.rng("salary").choice([1.0, 1.2, 1.5, 1.8])
    deductions = 5000 + base_wage(c) * 0.105 + c.rng("special").choice([0, 1000, 2000, 3000])
    payer = employer(c)
    rows, total = [], 0.0
    for m in months:
        n = m.month  # month of the tax year: cumulative withholding restarts each January
        due = _cumulative_tax(max(0.0, (salary - deductions) * n)) - _cumulative_tax(
            max(0.0, (salary - deductions) * (n - 1))
        )
        if due <= 0:
            continue
        paid_in = date(m.year + (m.month == 12), m.month % 12 + 1, c.rng(f"in{ym(m)}").randint(8, 15))
        rows.append([ym(m), paid_in.isoformat(), payer, "工资薪金所得", money(salary), money(due)])
        total += due
    if not rows:
        raise NotFound("no income tax was withheld in the period asked for")
    return issued(
        c,
        now,
        issuer,
        "SW",
        "税收业务专用章",
        "可通过个人所得税 APP 或国家税务总局河南省电子税务局，凭验证码查验本记录。",
        period_text(months),
        kind="individual_income_tax_record",
        title="个人所得税纳税记录",
        entries=[Entry(label="纳税人识别号", value=c.id_masked), Entry(label="税务机关", value=issuer)],
        tables=[
            Table(
                title="纳税明细",
                columns=["税款所属期", "入库日期", "扣缴义务人", "所得项目", "收入额（元）", "实缴（退）金额（元）"],
                rows=rows,
            )
        ],
        totals=[Entry(label="合计实缴（退）金额（元）", value=money(total))],
        notes=["本记录仅列明已入库的税款，不作为纳税人记账、抵扣凭证。"],
    )


def housing_fund_certificate(c: Citizen, params: QueryParams, now: datetime, issuer: str) -> Document:
    today = now.astimezone(TZ).date()
    if c.age_on(today) < 18 or c.retired_on(today) or c.rng("fund").random() < 0.3:
        raise NotFound("no housing fund account for this citizen")
    months = period_months(params, today)
    base = base_wage(c)
    rate = c.rng("fund-rate").choice([0.05, 0.08, 0.10, 0.12])
    share = round(base * rate, 0)
    opened = max(first_insured(c), date(2008, 1, 1))
    account = f"{int.from_bytes(c.digest[8:14], 'big') % 10**12:012d}"
    held_months = (months[-1].year - opened.year) * 12 + months[-1].month - opened.month + 1
    balance = share * 2 * held_months * c.rng("withdrawn").uniform(0.35, 0.9)
    rows = [[ym(m), money(share), money(share), money(share * 2), "正常汇缴"] for m in months if m >= opened]
    return issued(
        c,
        now,
        issuer,
        "GJJ",
        "住房公积金业务专用章",
        "可登录住房公积金管理中心网上服务大厅或拨打 12329，凭验证码核验本证明。",
        period_text(months),
        kind="housing_fund_certificate",
        title="住房公积金缴存证明",
        entries=[
            Entry(label="单位名称", value=employer(c)),
            Entry(label="个人账号", value=account[:4] + "****" + account[-4:]),
            Entry(label="开户日期", value=ym_cn(opened)),
            Entry(label="缴存基数（元）", value=money(base)),
            Entry(label="缴存比例", value=f"单位{rate:.0%}，个人{rate:.0%}"),
            Entry(label="月缴存额（元）", value=money(share * 2)),
            Entry(label="账户状态", value="正常缴存"),
            Entry(label="缴至年月", value=ym_cn(months[-1])),
        ],
        tables=[Table(title="缴存明细", columns=["缴存年月", "单位缴存", "个人缴存", "合计", "缴存方式"], rows=rows)],
        totals=[Entry(label="账户余额（元）", value=money(balance))],
        notes=["本证明仅证明职工住房公积金缴存情况，自出具之日起 30 日内有效。"],
    )


def real_estate_query_result(c: Citizen, params: QueryParams, now: datetime, issuer: str) -> Document:
    today = now.astimezone(TZ).date()
    if c.age_on(today) < 18:
        raise NotAllowed("a minor's records are queried by a guardian at the counter")
    rng = c.rng("bdc")
    count = 0 if rng.random() < 0.3 else rng.choice([1, 1, 1, 2])
    rows, entries = [], [Entry(label="查询目的", value="权利人查询本人名下不动产登记信息")]
    for i in range(count):
        year = rng.randint(max(2016, c.born.year + 22), today.year)  # 不动产权证书 since the 2015-16 unification
        serial = rng.randint(1, 30000)
        road, town = rng.choice(ROADS), rng.choice(TOWNS)
        unit = f"411325{rng.randint(1, 9):03d}{rng.randint(1, 999):03d}GB{rng.randint(1, 99999):05d}F{rng.randint(1, 9999):08d}"
        area = round(rng.uniform(68, 146), 2)
        rows.append(
            [
                f"豫（{year}）内乡县不动产权第{serial:07d}号",
                f"内乡县{town}{road}{rng.randint(1, 300)}号{rng.randint(1, 12)}幢{rng.randint(1, 3)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室",
                unit,
                "国有建设用地使用权/房屋所有权",
                "城镇住宅用地/住宅",
                f"{area:.2f}",
                f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            ]
        )
        mortgaged = rng.random() < 0.4
        entries.append(
            Entry(label=f"第{i + 1}处抵押登记", value="已抵押（抵押权人：某商业银行内乡县支行）" if mortgaged else "无")
        )
        entries.append(Entry(label=f"第{i + 1}处查封登记", value="无"))
    entries.insert(
        1, Entry(label="查询结果", value=f"查询到 {count} 处不动产登记记录" if count else "未查询到登记记录")
    )
    tables = []
    if rows:
        columns = ["不动产权证书号", "坐落", "不动产单元号", "权利类型", "用途", "面积（㎡）", "登记时间"]
        tables = [Table(title="登记信息", columns=columns, rows=rows)]
    return issued(
        c,
        now,
        issuer,
        "BDC",
        "不动产登记资料查询专用章",
        "可凭证明编号和验证码到内乡县不动产登记服务中心核验。",
        kind="real_estate_query_result",
        title="不动产登记信息查询结果",
        entries=entries,
        tables=tables,
        notes=[
            "本查询结果反映查询时点不动产登记簿记载的信息，仅限查询人本人使用。",
            "未查询到登记记录的，仅表示在内乡县不动产登记机构未查询到以查询人为权利人的登记信息。",
        ],
    )


MAKERS: dict[str, Maker] = {
    "social_insurance_record": social_insurance_record,
    "medical_insurance_certificate": medical_insurance_certificate,
    "individual_income_tax_record": individual_income_tax_record,
    "housing_fund_certificate": housing_fund_certificate,
    "real_estate_query_result": real_estate_query_result,
}
