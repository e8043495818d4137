"""Deterministic synthetic corpus of bank customer-service calls for benchmarking servicecheck.

    python benchmarks/corpus.py [--calls 2000] [--utterances 40] [--seed 20240601] [--out calls.jsonl]

Every call is a transcript dict in servicecheck's JSON format (``id``, ``channel``, ``utterances`` with
``speaker``, ``text``, ``start``, ``end``). The same arguments always give the same corpus (one seeded
``random.Random``, no other source of randomness).

The corpus is built to be honest about repetition. Real dialogues repeat little verbatim: roughly 15–20 %
of agent utterances and 1–10 % of customer utterances occur word for word elsewhere. So agent lines are
composed from many fragments with random slot values (names, staff numbers, card tails, amounts, dates,
products, branches), customer lines come from a large combinatorial grammar, and ASR noise (homophones,
fillers inside phrases, missing punctuation, spaced-out characters, full-width digits, Traditional
characters) is applied on top. Only the short listening tokens, the stock "anything else?" questions,
some closings and the short customer replies repeat, as they do in real calls. ``repeat_shares`` measures
the result; the command prints it.

All vocabulary here was written for this benchmark; the bank names are invented.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from typing import Callable, Iterable, Optional, Sequence

DEFAULT_CALLS = 2000
DEFAULT_UTTERANCES = 40
DEFAULT_SEED = 20240601

# -- vocabulary ----------------------------------------------------------------------------------------
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞鑫宇浩凯晨欣怡婷雪琳岚峰建国志文斌海燕")
BANK_PREFIX = [
    "华信",
    "汇通",
    "瑞丰",
    "长江",
    "北辰",
    "南粤",
    "恒泰",
    "東方",
    "兴和",
    "中原",
    "沿海",
    "泰隆",
    "民安",
    "金穗",
    "广汇",
    "安盛",
    "锦程",
    "江南农商",
    "西部商业",
    "城北",
    "云岭",
    "海峡",
    "天府",
    "燕赵",
    "齐鲁商业",
]
BANK_DEPT = [
    "信用卡中心",
    "客户服务中心",
    "客服热线",
    "远程银行中心",
    "电子银行部",
    "个人金融部",
    "在线客服",
    "私人银行部",
    "贵宾服务中心",
    "95热线",
    "分行营业部",
    "网上客户服务",
    "信用卡客服",
    "理财服务中心",
]
STAFF_ROLE = ["客服专员", "客服代表", "服务专员", "客户经理", "客服", "坐席", "理财经理", "客服助理", "话务专员"]
CITIES = [
    "杭州",
    "成都",
    "武汉",
    "西安",
    "南京",
    "长沙",
    "郑州",
    "济南",
    "青岛",
    "合肥",
    "福州",
    "厦门",
    "昆明",
    "南宁",
    "贵阳",
    "太原",
    "石家庄",
    "沈阳",
    "大连",
    "哈尔滨",
    "长春",
    "兰州",
    "南昌",
    "无锡",
    "苏州",
    "宁波",
    "温州",
    "佛山",
    "东莞",
    "珠海",
    "洛阳",
    "绵阳",
    "烟台",
    "潍坊",
    "常州",
    "徐州",
    "扬州",
    "泉州",
    "柳州",
    "桂林",
]
DISTRICT = [
    "高新",
    "城东",
    "城西",
    "滨江",
    "开发区",
    "老城",
    "新区",
    "湖滨",
    "江北",
    "南湖",
    "北塘",
    "东湖",
    "西城",
    "中山路",
]
CARD = [
    "信用卡",
    "储蓄卡",
    "白金卡",
    "金卡",
    "普卡",
    "联名卡",
    "工资卡",
    "社保卡",
    "借记卡",
    "副卡",
    "公务卡",
    "一类卡",
    "二类户",
]
SERVICE = [
    "手机银行",
    "网上银行",
    "短信通知",
    "自动还款",
    "账单分期",
    "现金分期",
    "积分兑换",
    "年费",
    "境外消费",
    "大额存单",
    "定期存款",
    "基金定投",
    "快捷支付",
    "云闪付",
    "刷脸支付",
    "转账限额",
    "挂失",
    "密码重置",
    "额度调整",
    "电子回单",
]
PRODUCT_HEAD = ["稳盈", "安鑫", "季季红", "天天利", "月月享", "金葵花", "添利", "聚宝", "恒丰", "睿享", "乐享", "鑫悦"]
PRODUCT_TAIL = [
    "30天",
    "90天",
    "一号",
    "二期",
    "A款",
    "180天",
    "尊享版",
    "周周发",
    "三年期",
    "固收增强",
    "净值型",
    "B份额",
]
MERCHANT_HEAD = [
    "优鲜",
    "好客",
    "千禧",
    "蓝鲸",
    "乐购",
    "惠民",
    "盛世",
    "星河",
    "悦家",
    "鲜丰",
    "阿福",
    "百味",
    "途易",
    "速达",
]
MERCHANT_KIND = [
    "超市",
    "加油站",
    "网上商城",
    "外卖平台",
    "酒店",
    "机票网站",
    "便利店",
    "药房",
    "商场",
    "充电站",
    "健身房",
    "家具城",
    "电器城",
    "旅行社",
    "停车场",
    "咖啡店",
    "火锅店",
    "眼镜店",
    "培训机构",
    "物业公司",
]
TXN = ["消费", "转账", "取现", "还款", "退款", "扣费", "入账", "代扣", "预授权", "分期扣款", "年费扣收", "利息"]
WEEKDAYS = "一二三四五六日"
CN_DIGITS = "零一二三四五六七八九"

ACK = ["好的", "嗯", "嗯嗯", "是的", "明白", "我明白了", "了解", "好的好的", "对的", "收到", "好", "嗯好的", "是"]
ACK_ALONE = [
    "好的",
    "嗯嗯",
    "好的您说",
    "您请讲",
    "是的",
    "嗯",
    "明白",
    "请讲",
    "好的好的",
    "了解了",
    "对的",
    "好的，您请稍等",
    "请您稍等",
    "好的请稍等",
    "您稍等一下",
]
EMPATHY = [
    "我非常理解您的心情",
    "理解您现在的心情",
    "我理解您的顾虑",
    "能理解您",
    "非常理解您着急的心情",
    "理解您的感受",
    "我能体会您的心情",
    "换作是我也会着急",
]
CALM = ["您先别着急", "您别着急", "请您放心", "您先别担心", "您放心", "不要着急", "您先消消气"]
APOLOGY = [
    "给您带来不便非常抱歉",
    "真的很抱歉让您久等了",
    "实在抱歉",
    "让您久等了",
    "给您添麻烦了",
    "非常抱歉给您带来的不便",
    "十分抱歉",
    "辛苦您了",
]
CONFIRM_LEAD = [
    "跟您确认一下",
    "和您确认一下",
    "我跟您核对一下",
    "我复述一下",
    "再确认一下",
    "我重复一下",
    "跟您核实一下",
]
TRANSFER = [
    "我这边为您登记工单，提交给相关部门处理",
    "这个需要{dept2}来处理，我帮您转接过去",
    "我现在为您转接到{dept2}",
    "我帮您提交工单到{dept2}",
    "这个问题我为您升级处理",
    "我帮您转给专员跟进",
    "我给您登记一个工单，工单号是{ticket}",
    "这边帮您反馈给相关部门处理",
    "稍后由{dept2}的专员联系您",
]
DEPT2 = [
    "风控部门",
    "账务部门",
    "争议处理组",
    "卡片管理部",
    "信用审批部",
    "运营中心",
    "投诉处理中心",
    "理财部门",
    "技术部门",
    "网点",
    "催收部门",
    "积分商城",
    "外汇业务部",
]
TIME_COMMIT = [
    "我们会在{n}个工作日内给您回电",
    "预计{n}个工作日内处理完毕",
    "{n}到{m}个工作日内会有专人联系您",
    "{h}小时内会给您答复",
    "最晚{day}{ampm}{hh}点前给您回复",
    "{day}之内会短信通知您处理结果",
    "款项会在{n}个工作日内退回到您的卡上",
    "明天下班前给您回个电话",
]
OTHER_NEEDS = [
    "请问还有其他可以帮您的吗",
    "请问还有什么可以帮您的吗",
    "还有其他问题需要咨询吗",
    "请问还有别的需要吗",
    "您还有其他需要帮助的吗",
    "还有什么问题我可以帮您解答的吗",
    "请问还有其他业务需要办理吗",
]
CLOSING_FIXED = [
    "感谢您的来电，祝您生活愉快，再见",
    "感谢您的来电，再见",
    "好的，感谢来电，再见",
    "谢谢您的来电，祝您愉快，再见",
    "感谢您的耐心，再见",
    "好的，那不打扰您了，再见",
    "感谢您的支持，再见",
    "好的再见",
    "拜拜",
]
FORBIDDEN = [
    "这个不归我管",
    "你自己去网点问吧",
    "我也没办法",
    "我刚才不是说了吗",
    "跟你说了多少遍了",
    "你自己去查",
    "我不知道",
    "这是规定没得商量",
    "你找谁都没用",
    "随便你，你爱投诉就投诉",
    "你听不懂吗",
    "着什么急",
    "我们这边管不了",
]
RETENTION = [
    "我们非常重视您的意见",
    "感谢您的宝贵意见，我们会持续改进",
    "您的建议我会反馈给相关部门改进",
    "我们会加强服务培训",
    "非常重视您反映的问题",
]
ASK_ITEMS = [
    "身份证后四位",
    "预留手机号码",
    "卡号后四位",
    "持卡人姓名",
    "账单日",
    "开户网点",
    "交易时间",
    "交易金额",
    "对方户名",
    "出生日期",
    "常用联系地址",
    "工作单位名称",
    "快递单号",
    "动账短信内容",
]
CHANNELS = ["手机银行", "网上银行", "微信公众号", "自助终端", "柜台", "小程序", "营业网点的智能柜员机"]
STEPS = [
    "点我的页面",
    "找到卡片管理",
    "选择账单分期",
    "进入安全中心",
    "点转账记录",
    "选择额度管理",
    "找到积分商城",
    "点右上角的设置",
    "进入消息中心",
    "选择挂失补卡",
    "打开交易明细",
    "点击修改密码",
    "选择自动还款设置",
    "进入理财持仓",
]
STATUS = [
    "目前显示还在处理中",
    "已经入账了",
    "系统显示交易成功",
    "这笔还没有出账",
    "目前是冻结状态",
    "显示对方已经退款",
    "还在银联清算中",
    "已经计入本期账单",
    "状态是待审核",
    "已经超过免息期了",
    "下个账单日会出账",
    "目前额度是正常的",
]

# customer grammar
C_OPEN = ["你好", "喂你好", "您好", "喂", "哎你好", "你好我想问一下", "你好啊", "那个你好"]
C_INTENT = [
    "我想问一下",
    "我想咨询一下",
    "我要投诉",
    "我想办一下",
    "我想查一下",
    "想问问",
    "我想了解一下",
    "我这边想问",
    "麻烦帮我看一下",
    "我想反映个问题",
    "我想取消",
    "我想开通",
    "我想改一下",
]
C_SUBJ = ["我", "我这边", "我老婆", "我爸", "我妈", "我儿子", "我朋友", "我们公司", "我家里人", "我自己"]
C_TIME = [
    "昨天",
    "前天",
    "上周",
    "上个月",
    "今天早上",
    "昨天晚上",
    "这个月初",
    "大概一周前",
    "{date}",
    "刚才",
    "前几天",
    "上上周",
    "月底的时候",
    "春节前",
]
C_EVENT = [
    "在{merchant}刷了{amount}",
    "给{name}转了{amount}",
    "在{city}取了{amount}现金",
    "还了{amount}",
    "在{merchant}买东西花了{amount}",
    "收到一条扣费{amount}的短信",
    "用{service}付了{amount}",
    "办了{card}",
    "申请了{service}",
    "在{city}{district}的网点开了户",
    "买了{product}",
    "交了{amount}的{fee}",
    "绑定了{service}",
    "开通了{service}",
    "被扣了{amount}",
    "把{card}弄丢了",
]
C_PROBLEM = [
    "到现在还没到账",
    "结果显示交易失败了",
    "但是钱扣了两次",
    "可是没收到短信",
    "然后卡就被冻结了",
    "现在登不上去了",
    "对方说没收到",
    "账单上多了一笔{amount}",
    "但是额度一直没变",
    "利息算得不对",
    "积分也没到",
    "一直提示密码错误",
    "说我逾期了",
    "结果被扣了年费",
    "商家说已经退了",
    "我根本没有授权",
    "显示处理中好几天了",
    "收益跟说的不一样",
    "到期了钱没回来",
    "页面一直转圈",
    "验证码老是收不到",
    "柜台说办不了",
]
C_ASK = [
    "这是怎么回事啊",
    "你们能不能帮我查一下",
    "什么时候能处理好",
    "我该怎么办",
    "能不能给我退回来",
    "这个费用怎么算的",
    "为什么会这样",
    "要不要去网点",
    "能不能加急",
    "是不是你们系统的问题",
    "我需要带什么材料",
    "能不能先给我解冻",
    "会不会影响征信",
    "还要等多久",
    "能不能帮我取消掉",
    "这个钱还能要回来吗",
]
C_FEEL = [
    "我都打了好几次电话了",
    "真的很着急",
    "这都第三次了",
    "你们这个服务太差了",
    "我等着用钱呢",
    "说实话我挺生气的",
    "能不能快一点",
    "上次的客服也说会回电结果没人理",
    "我不太懂这些",
    "麻烦你们上点心",
    "我下午还要上班",
]
C_SHORT = ["对", "是的", "嗯", "好的", "对对对", "没有了", "好", "行", "嗯嗯", "可以", "知道了", "不是", "没有"]
C_END = [
    "没有了，谢谢",
    "没有了谢谢你",
    "好的，谢谢",
    "那就这样吧",
    "行，那我等你们电话",
    "好的麻烦你了",
    "没别的了",
    "好的拜拜",
    "嗯好的，谢谢啊",
    "那先这样，谢谢",
]
C_FILL_DETAIL = [
    "我的卡号后四位是{tail}",
    "身份证后四位{tail}",
    "我叫{name}",
    "手机号尾号{tail}",
    "是{date}那笔",
    "金额是{amount}",
    "大概{amount}左右",
    "在{city}{district}那边",
    "是{card}，尾号{tail}",
    "就是{merchant}那笔",
    "应该是{date}{clock}左右",
    "对方叫{name}",
    "开户行是{city}{district}支行",
    "买的是{product}",
    "快递单号后六位{six}",
    "是用{service}办的",
]
FEE = ["年费", "手续费", "短信费", "滞纳金", "管理费", "违约金", "账户管理费", "挂失费"]

HOMOPHONES = {
    "您好": ["您号", "宁好", "您浩"],
    "再见": ["在见", "再建"],
    "欢迎致电": ["欢迎至电", "欢迎智电", "欢迎治电"],
    "感谢": ["干谢", "敢谢"],
    "工号": ["公号", "攻号"],
    "转接": ["专接"],
    "稍等": ["烧等"],
    "来电": ["来店"],
}
FILLERS = ["呃", "那个", "就是说", "嗯", "额", "然后", "这个", "就是"]
TRADITIONAL = {
    "欢": "歡",
    "电": "電",
    "银": "銀",
    "这": "這",
    "为": "為",
    "务": "務",
    "请": "請",
    "问": "問",
    "还": "還",
    "么": "麼",
    "帮": "幫",
    "谢": "謝",
    "见": "見",
    "号": "號",
    "时": "時",
    "个": "個",
    "说": "說",
    "题": "題",
    "们": "們",
    "账": "賬",
    "单": "單",
    "费": "費",
    "钱": "錢",
    "转": "轉",
    "处": "處",
    "会": "會",
    "给": "給",
    "没": "沒",
    "关": "關",
    "认": "認",
    "确": "確",
    "记": "記",
    "让": "讓",
    "对": "對",
    "边": "邊",
    "过": "過",
    "后": "後",
    "发": "發",
    "经": "經",
    "开": "開",
    "应": "應",
    "该": "該",
    "门": "門",
    "户": "戶",
    "员": "員",
    "专": "專",
    "网": "網",
    "点": "點",
    "长": "長",
    "间": "間",
    "现": "現",
    "实": "實",
    "办": "辦",
    "业": "業",
    "额": "額",
    "卡": "卡",
    "兴": "興",
    "线": "線",
    "心": "心",
}
PUNCT = "，。？！、"


# -- slot values -----------------------------------------------------------------------------------------
class Slots:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def name(self) -> str:
        r = self.r
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def title(self) -> str:
        r = self.r
        return r.choice(SURNAMES) + r.choice(("先生", "女士", "先生", "女士", "老师", "总"))

    def digits(self, n: int) -> str:
        return "".join(str(self.r.randrange(10)) for _ in range(n))

    def tail(self) -> str:
        return self.digits(4)

    def cn_number(self, value: int, inner: bool = False) -> str:
        if value < 10:
            return CN_DIGITS[value]
        if value < 100:
            tens, ones = divmod(value, 10)
            return ("" if tens == 1 and not inner else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
        if value < 1000:
            hundreds, rest = divmod(value, 100)
            tail = "" if rest == 0 else ("零" + CN_DIGITS[rest] if rest < 10 else self.cn_number(rest, True))
            return CN_DIGITS[hundreds] + "百" + tail
        thousands, rest = divmod(value, 1000)
        return (
            CN_DIGITS[thousands]
            + "千"
            + (self.cn_number(rest) if rest >= 100 else ("零" + self.cn_number(rest, True) if rest else ""))
        )

    def amount(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.35:
            return f"{r.randrange(1, 20000)}元"
        if kind < 0.55:
            return f"{r.randrange(1, 5000)}.{r.randrange(100):02d}元"
        if kind < 0.75:
            return f"{r.randrange(1, 9999)}块钱"
        if kind < 0.9:
            return self.cn_number(r.randrange(1, 9999)) + r.choice(("块", "块钱", "元"))
        return f"{r.randrange(1, 50)}万{r.choice(('', '多', '块'))}"

    def date(self) -> str:
        r = self.r
        kind = r.random()
        if kind < 0.5:
            return f"{r.randrange(1, 13)}月{r.randrange(1, 29)}{r.choice(('号', '日'))}"
        if kind < 0.75:
            return r.choice(("上周", "这周", "上个星期", "周")) + r.choice(WEEKDAYS)
        return self.cn_number(r.randrange(1, 13)) + "月" + self.cn_number(r.randrange(1, 29)) + "号"

    def clock(self) -> str:
        r = self.r
        return (
            r.choice(("上午", "下午", "晚上", "中午", ""))
            + self.cn_number(r.randrange(1, 13))
            + "点"
            + r.choice(("", "半", "多"))
        )

    def staff_number(self) -> str:
        r = self.r
        kind = r.random()
        number = self.digits(r.choice((4, 4, 5, 6)))
        if kind < 0.6:
            return number
        if kind < 0.75:
            return r.choice("ABKSW") + number
        if kind < 0.9:
            return " ".join(number)
        return "".join(CN_DIGITS[int(d)] for d in number)

    def bank(self) -> str:
        return self.r.choice(BANK_PREFIX) + "银行"

    def product(self) -> str:
        return self.r.choice(PRODUCT_HEAD) + self.r.choice(PRODUCT_TAIL)

    def merchant(self) -> str:
        return self.r.choice(MERCHANT_HEAD) + self.r.choice(MERCHANT_KIND)

    def fill(self, template: str) -> str:
        r = self.r
        values: dict[str, Callable[[], str]] = {
            "name": self.name,
            "title": self.title,
            "tail": self.tail,
            "six": lambda: self.digits(6),
            "ticket": lambda: self.digits(r.choice((8, 10, 12))),
            "amount": self.amount,
            "date": self.date,
            "clock": self.clock,
            "merchant": self.merchant,
            "product": self.product,
            "card": lambda: r.choice(CARD),
            "service": lambda: r.choice(SERVICE),
            "city": lambda: r.choice(CITIES),
            "district": lambda: r.choice(DISTRICT),
            "fee": lambda: r.choice(FEE),
            "dept2": lambda: r.choice(DEPT2),
            "n": lambda: str(r.randrange(1, 16)) if r.random() < 0.6 else self.cn_number(r.randrange(1, 16)),
            "m": lambda: str(r.randrange(3, 31)),
            "h": lambda: str(r.choice((2, 4, 12, 24, 48, 72))),
            "hh": lambda: str(r.randrange(9, 19)) if r.random() < 0.5 else self.cn_number(r.randrange(9, 13)),
            "day": lambda: r.choice(("今天", "明天", "后天", "周" + r.choice(WEEKDAYS), "下周" + r.choice(WEEKDAYS))),
            "ampm": lambda: r.choice(("上午", "下午", "晚上", "")),
        }
        out = []
        rest = template
        while True:
            i = rest.find("{")
            if i < 0:
                out.append(rest)
                break
            j = rest.index("}", i)
            out.append(rest[:i])
            out.append(values[rest[i + 1 : j]]())
            rest = rest[j + 1 :]
        return "".join(out)


# -- utterance builders ----------------------------------------------------------------------------------
class CallWriter:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.s = Slots(rng)

    def join(self, parts: Sequence[str]) -> str:
        r = self.r
        out = ""
        for part in parts:
            if not part:
                continue
            if out:
                out += r.choice(("，", "，", "，", "。", " ", ""))
            out += part
        return out

    def end(self, text: str, question: bool = False) -> str:
        r = self.r
        mark = "？" if question else "。"
        return text + (mark if r.random() < 0.6 else "")

    # agent ------------------------------------------------------------------------------------------
    def greeting(self, bank: str, dept: str, name: str, number: str, role: str) -> str:
        r = self.r
        hello = r.choice(("您好", "您好", "你好", "上午好", "下午好", "您好您好", "喂您好", "晚上好"))
        welcome = r.choice(
            (
                f"欢迎致电{bank}{dept}",
                f"欢迎来电{bank}",
                f"这里是{bank}{dept}",
                f"{bank}{dept}",
                f"欢迎致电{bank}",
                f"欢迎您致电{bank}{dept}",
            )
        )
        intro = r.choice(
            (
                f"我是{role}{name}",
                f"我是{number}号{role}",
                f"工号{number}",
                f"我的工号是{number}",
                f"{number}号{role}{name}为您服务",
                f"我是{role}{name}，工号{number}",
            )
        )
        service = r.choice(
            (
                "很高兴为您服务",
                "请问有什么可以帮您",
                "请问有什么可以帮到您",
                "请问您需要办理什么业务",
                "请问有什么需要",
                "很高兴为您服务，请问有什么可以帮您",
                "",
            )
        )
        parts = [hello, welcome, intro, service]
        if r.random() < 0.2:
            parts[1], parts[2] = parts[2], parts[1]
        if r.random() < 0.1:
            parts.pop(0)
        return self.end(self.join(parts), question="请问" in service)

    def agent_middle(self, ctx: dict) -> str:
        r, s = self.r, self.s
        ack = r.choice(ACK) if r.random() < 0.6 else ""
        who = ctx["title"] if r.random() < 0.35 else ""
        kind = r.random()
        if kind < 0.09:
            return r.choice(ACK_ALONE)  # listening tokens on their own: these repeat, as in real calls
        if kind < 0.22:
            item = r.choice(ASK_ITEMS)
            lead = r.choice(("麻烦您提供一下", "请您说一下", "麻烦报一下", "请问您的", "需要跟您核实一下", "您看一下"))
            why = r.choice(
                ("为了保障您的账户安全", "查询之前", "办理这个业务的话", "我这边需要先核实身份", "系统需要验证一下")
            )
            return self.end(self.join([ack, who, why if r.random() < 0.5 else "", lead + item]), question=True)
        if kind < 0.34:
            detail = (who if r.random() < 0.4 else "") + s.fill(
                r.choice(
                    (
                        "您是说{date}在{merchant}消费的{amount}没有退回来",
                        "您尾号{tail}的{card}{date}有一笔{amount}的" + r.choice(TXN),
                        "您要办理的是{service}",
                        "您购买的是{product}，金额{amount}",
                        "您的预留手机尾号是{tail}",
                        "您要挂失的是尾号{tail}的{card}",
                        "对方户名是{name}，金额{amount}",
                    )
                )
            )
            tail = r.choice(("对吗", "对吧", "是吗", "是这样吗", "没错吧", ""))
            return self.end(self.join([r.choice(CONFIRM_LEAD), detail + tail]), question=bool(tail))
        if kind < 0.42:
            parts = [r.choice(EMPATHY) if r.random() < 0.7 else r.choice(APOLOGY)]
            if r.random() < 0.6:
                parts.append(r.choice(CALM))
            parts.append(
                s.fill(
                    r.choice(
                        (
                            "我这边马上帮您查一下",
                            "我马上帮您处理",
                            "我帮您看一下{date}那笔交易",
                            "我现在就帮您核实尾号{tail}的卡",
                            "我这边尽快帮您跟进",
                            "我帮您联系{dept2}",
                        )
                    )
                )
            )
            return self.end(self.join([who] + parts))
        if kind < 0.56:
            detail = s.fill(
                r.choice(
                    (
                        "我这边查到您尾号{tail}的{card}在{date}有一笔{amount}的" + r.choice(TXN),
                        "您的{product}到期日是{date}",
                        "您这张{card}的账单日是每月{n}号",
                        "您在{city}{district}支行办的{service}",
                        "系统显示{date}{clock}有一笔{amount}",
                        "您的{service}是{date}开通的",
                        "这笔{amount}是{merchant}发起的",
                    )
                )
            )
            advice = s.fill(
                r.choice(
                    (
                        "您可以在{service}里查看明细",
                        "建议您留意一下{date}的账单",
                        "这个不影响您正常用卡",
                        "后续有变化会短信通知您",
                        "您不用重复申请",
                        "退款会原路退回到尾号{tail}的卡上",
                    )
                )
            )
            return self.end(self.join([ack, who, detail, r.choice(STATUS), advice if r.random() < 0.5 else ""]))
        if kind < 0.64:
            lead = r.choice(("您可以在", "您打开", "建议您通过", "您在"))
            steps = [lead + r.choice(CHANNELS)] + r.sample(STEPS, r.choice((1, 2, 2, 3)))
            return self.end(self.join([ack, who] + steps))
        if kind < 0.71:
            extra = s.fill(
                r.choice(("工单号是{ticket}", "编号{ticket}", "请保持{tail}尾号的手机畅通", "{title}您留意一下来电"))
            )
            return self.end(self.join([ack, who, s.fill(r.choice(TRANSFER)), extra if r.random() < 0.6 else ""]))
        if kind < 0.78:
            return self.end(self.join([ack, who, s.fill(r.choice(TIME_COMMIT))]))
        if kind < 0.86:
            return self.end(
                self.join(
                    [
                        s.fill(
                            r.choice(
                                (
                                    "请您稍等，我帮您查询一下{service}的情况",
                                    "请稍等，我看一下您尾号{tail}的交易",
                                    "感谢您的耐心等待，{date}那笔已经查到了",
                                    "稍等我帮您调一下{date}的记录",
                                    "请稍等片刻，我这边查一下{product}的持仓",
                                )
                            )
                        )
                    ]
                )
            )
        if kind < 0.94:
            detail = s.fill(
                r.choice(
                    (
                        "您这笔{amount}的{fee}是按{n}%收取的",
                        "{service}的单笔限额是{amount}",
                        "{product}的业绩比较基准是{n}.{m}%",
                        "提前还款需要提前{n}天预约",
                        "{card}首年免年费，刷卡满{n}次免次年年费",
                        "分{n}期的话每期手续费是{amount}",
                    )
                )
            )
            return self.end(self.join([ack, who, detail]))
        return self.end(
            self.join(
                [
                    ack,
                    who,
                    s.fill(
                        r.choice(
                            (
                                "您的{service}要是还有疑问可以再联系我们",
                                "您也可以去{city}{district}支行办理",
                                "这个需要您本人带身份证到{city}{district}网点办理",
                                "这个是按{city}分行的规定执行的",
                                "{date}以后在{service}里也能办",
                            )
                        )
                    ),
                ]
            )
        )

    def other_needs(self, ctx: dict) -> str:
        r = self.r
        if r.random() < 0.6:
            return self.end(r.choice(OTHER_NEEDS), question=True)
        return self.end(self.join([r.choice(ACK), ctx["title"], r.choice(OTHER_NEEDS)]), question=True)

    def closing(self, ctx: dict) -> str:
        r = self.r
        if r.random() < 0.45:
            return self.end(r.choice(CLOSING_FIXED))
        parts = [
            r.choice(("好的", "嗯好的", "")),
            ctx["title"] if r.random() < 0.5 else "",
            r.choice(("感谢您的来电", "感谢您的耐心等待", "谢谢您的配合", "多谢您的来电", "感谢您的咨询")),
            r.choice(("祝您生活愉快", "祝您工作顺利", "祝您周末愉快", "稍后请对我的服务做出评价", "祝您身体健康", "")),
            r.choice(("再见", "再见", "拜拜", "")),
        ]
        return self.end(self.join(parts))

    def forbidden(self, ctx: dict) -> str:
        r = self.r
        return self.end(
            self.join(
                [
                    r.choice(("", "哎", "我说")),
                    r.choice(FORBIDDEN),
                    self.s.fill(r.choice(("", "{service}的事你去问网点", "就这样"))),
                ]
            )
        )

    def retention(self, ctx: dict) -> str:
        return self.end(self.join([self.r.choice(ACK), self.r.choice(RETENTION)]))

    # customer ---------------------------------------------------------------------------------------
    def customer_open(self) -> str:
        r, s = self.r, self.s
        parts = [
            r.choice(C_OPEN) if r.random() < 0.6 else "",
            r.choice(C_INTENT) if r.random() < 0.7 else "",
            s.fill(r.choice(C_SUBJ) + r.choice(C_TIME) + r.choice(C_EVENT)),
            s.fill(r.choice(C_PROBLEM)),
        ]
        if r.random() < 0.85:
            parts.append(r.choice(C_ASK))
        return self.end(self.join(parts), question=r.random() < 0.5)

    def customer_middle(self) -> str:
        r, s = self.r, self.s
        kind = r.random()
        if kind < 0.03:
            return r.choice(C_SHORT)  # the few verbatim repeats customers make
        if kind < 0.36:
            lead = r.choice(C_SHORT) if r.random() < 0.5 else ""
            details = [s.fill(d) for d in r.sample(C_FILL_DETAIL, r.choice((1, 2, 2)))]
            return self.end(self.join([lead] + details))
        if kind < 0.58:
            about = s.fill(
                r.choice(
                    (
                        "{date}那笔{amount}",
                        "我那张{card}",
                        "这个{service}",
                        "{merchant}那笔",
                        "那个{product}",
                        "尾号{tail}那张卡",
                        "{fee}{amount}",
                    )
                )
            )
            return self.end(
                self.join(
                    [
                        r.choice(("那", "那个", "所以", "就是", "")) + about,
                        r.choice(C_ASK),
                        s.fill(r.choice(C_PROBLEM)) if r.random() < 0.4 else "",
                    ]
                ),
                question=True,
            )
        if kind < 0.76:
            return self.end(
                self.join(
                    [
                        r.choice(C_FEEL),
                        s.fill(r.choice(C_SUBJ) + r.choice(C_TIME) + r.choice(C_EVENT)),
                        r.choice(C_ASK) if r.random() < 0.5 else "",
                    ]
                )
            )
        if kind < 0.9:
            return self.end(
                self.join(
                    [
                        r.choice(C_SHORT),
                        s.fill(
                            r.choice(
                                (
                                    "我记得是{date}",
                                    "应该是{amount}",
                                    "就是{merchant}那个",
                                    "我用的是{service}",
                                    "我在{city}",
                                    "是{card}",
                                    "之前办过{product}",
                                    "我朋友{name}帮我转的",
                                )
                            )
                        ),
                    ]
                )
            )
        return self.end(
            self.join(
                [
                    s.fill(r.choice(C_SUBJ) + r.choice(C_TIME) + r.choice(C_EVENT)),
                    s.fill(r.choice(C_PROBLEM)),
                    r.choice(C_ASK) if r.random() < 0.5 else "",
                ]
            )
        )

    def customer_end(self) -> str:
        r = self.r
        if r.random() < 0.3:
            return r.choice(C_END)
        return self.end(
            self.join([r.choice(C_END), r.choice(("辛苦了", "你们尽快啊", "记得给我回电话", "麻烦了", "我等消息"))])
        )

    # noise ------------------------------------------------------------------------------------------
    def noise(self, text: str, agent: bool) -> str:
        r = self.r
        if agent:
            for word, variants in HOMOPHONES.items():
                if word in text and r.random() < 0.12:
                    text = text.replace(word, r.choice(variants), 1)
        if r.random() < (0.15 if agent else 0.3):
            for _ in range(r.choice((1, 1, 2))):
                # between two Han characters, where ASR puts hesitations (often inside a stock phrase)
                inside = [
                    i
                    for i in range(1, len(text))
                    if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff"
                ]
                if inside:
                    i = r.choice(inside)
                    text = text[:i] + r.choice(FILLERS) + text[i:]
        punct = r.random()
        if punct < 0.25:
            text = "".join(c for c in text if c not in PUNCT)
        elif punct < 0.4:
            text = "".join(" " if c in PUNCT else c for c in text).strip()
        if r.random() < 0.03:
            i = r.randrange(len(text))
            j = min(len(text), i + r.randrange(4, 12))
            text = text[:i] + " ".join(text[i:j]) + text[j:]
        if r.random() < 0.05 and any(c.isdigit() for c in text):
            text = "".join(chr(ord(c) - 0x30 + 0xFF10) if "0" <= c <= "9" else c for c in text)
        if r.random() < 0.02:
            text = "".join(TRADITIONAL.get(c, c) for c in text)
        return text


def _roles(rng: random.Random, n: int) -> list[str]:
    """Mostly alternating turns, agent first, with some consecutive turns of one speaker."""
    roles = ["agent"]
    while len(roles) < n:
        previous = roles[-1]
        other = "customer" if previous == "agent" else "agent"
        roles.append(previous if rng.random() < 0.12 else other)
    return roles


def make_call(rng: random.Random, index: int, utterances: int = DEFAULT_UTTERANCES) -> dict:
    w = CallWriter(rng)
    s = w.s
    ctx = {"title": s.title()}
    bank, dept = s.bank(), rng.choice(BANK_DEPT)
    agent_name = rng.choice(SURNAMES) + rng.choice(GIVEN) if rng.random() < 0.5 else "小" + rng.choice(SURNAMES)
    number, role = s.staff_number(), rng.choice(STAFF_ROLE)
    roles = _roles(rng, utterances)
    n = len(roles)
    # Last agent turn closes, the agent turn before it asks for other needs (when the call is long enough).
    agent_turns = [i for i, role in enumerate(roles) if role == "agent"]
    closing_at = agent_turns[-1] if len(agent_turns) > 1 else None
    other_at = agent_turns[-2] if len(agent_turns) > 3 and rng.random() < 0.85 else None
    forbidden_at = rng.choice(agent_turns[1:-2]) if len(agent_turns) > 4 and rng.random() < 0.05 else None
    retention_at = rng.choice(agent_turns[1:-2]) if len(agent_turns) > 4 and rng.random() < 0.08 else None
    customer_turns = [i for i, role in enumerate(roles) if role == "customer"]
    first_customer = customer_turns[0] if customer_turns else None
    last_customer = customer_turns[-1] if len(customer_turns) > 1 else None

    out = []
    clock = round(rng.uniform(0.5, 3.0), 2)
    for i, speaker in enumerate(roles):
        if speaker == "agent":
            if i == 0:
                text = w.greeting(bank, dept, agent_name, number, role) if rng.random() < 0.98 else w.end("请讲")
            elif i == closing_at:
                text = w.closing(ctx)
            elif i == other_at:
                text = w.other_needs(ctx)
            elif i == forbidden_at:
                text = w.forbidden(ctx)
            elif i == retention_at:
                text = w.retention(ctx)
            else:
                text = w.agent_middle(ctx)
            text = w.noise(text, agent=True)
        else:
            if i == first_customer:
                text = w.customer_open()
            elif i == last_customer and i > n - 4:
                text = w.customer_end()
            else:
                text = w.customer_middle()
            text = w.noise(text, agent=False)
        if not text.strip():
            text = "嗯"
        duration = round(0.25 * len(text) + rng.uniform(0.3, 1.5), 2)
        out.append({"speaker": speaker, "text": text, "start": clock, "end": round(clock + duration, 2)})
        clock = round(clock + duration + rng.uniform(0.2, 2.5), 2)
    return {"id": f"bench-{index:06d}", "channel": "phone", "utterances": out}


def generate(calls: int = DEFAULT_CALLS, utterances: int = DEFAULT_UTTERANCES, seed: int = DEFAULT_SEED) -> list[dict]:
    """The corpus: ``calls`` transcripts of ``utterances`` utterances each. Same arguments, same corpus."""
    rng = random.Random(seed)
    return [make_call(rng, i, utterances) for i in range(calls)]


def repeat_shares(corpus: Iterable[dict]) -> dict[str, dict[str, float]]:
    """Verbatim repetition per speaker.

    ``repeat`` is the share of a speaker's utterances whose exact text occurs more than once among that
    speaker's utterances in the corpus; ``cache_hit`` is the share that an unbounded cache keyed by text
    (shared by both speakers, filled in corpus order) would answer, i.e. texts already seen before.
    """
    counts: dict[str, Counter] = {}
    seen: set[str] = set()
    hits: Counter = Counter()
    totals: Counter = Counter()
    for call in corpus:
        for utterance in call["utterances"]:
            speaker, text = utterance["speaker"], utterance["text"]
            counts.setdefault(speaker, Counter())[text] += 1
            totals[speaker] += 1
            if text in seen:
                hits[speaker] += 1
            seen.add(text)
    out = {}
    for speaker, counter in counts.items():
        repeated = sum(c for c in counter.values() if c > 1)
        out[speaker] = {
            "utterances": totals[speaker],
            "distinct": len(counter),
            "repeat": repeated / totals[speaker],
            "cache_hit": hits[speaker] / totals[speaker],
        }
    return out


def describe(corpus: list[dict]) -> list[str]:
    utterances = sum(len(c["utterances"]) for c in corpus)
    chars = sum(len(u["text"]) for c in corpus for u in c["utterances"])
    lines = [
        f"corpus: {len(corpus)} calls, {utterances} utterances, {chars} characters "
        f"({chars / max(1, len(corpus)):.0f} per call, {chars / max(1, utterances):.1f} per utterance)"
    ]
    for speaker, share in sorted(repeat_shares(corpus).items()):
        lines.append(
            f"  {speaker:<8} {share['utterances']:>7} utterances, {share['distinct']:>7} distinct; "
            f"verbatim repeats {share['repeat'] * 100:5.1f} % (text occurs more than once), "
            f"text-cache hits {share['cache_hit'] * 100:5.1f} % (seen before)"
        )
    return lines


def write_jsonl(corpus: Iterable[dict], path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for call in corpus:
            handle.write(json.dumps(call, ensure_ascii=False) + "\n")


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=DEFAULT_CALLS, help="number of calls (default %(default)s)")
    parser.add_argument(
        "--utterances", type=int, default=DEFAULT_UTTERANCES, help="utterances per call (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--out", help="write the calls as JSONL to this file")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the first N calls as text")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.utterances < 1:
        parser.error("--calls and --utterances must be at least 1")
    corpus = generate(args.calls, args.utterances, args.seed)
    if args.out:
        write_jsonl(corpus, args.out)
    for call in corpus[: args.show]:
        print(f"# {call['id']}")
        for u in call["utterances"]:
            print(f"{'坐席' if u['speaker'] == 'agent' else '客户'}：{u['text']}")
    print("\n".join(describe(corpus)), file=sys.stderr if args.show else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
