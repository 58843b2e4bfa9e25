"""The word lists of the labelling contract (docs/indicators.md, sections 3 to 6), as the extractor uses them."""

from __future__ import annotations

import re

# 3.2 slot 2: the reporting government, its head and its area, left out of every field.
GOVERNMENT = ("区政府网", "县政府网", "市政府网", "区政府领导", "县政府领导", "市政府领导", "区政府", "县政府",
              "市政府", "区长", "县长", "市长", "全区", "全县", "全市", "我区", "我县", "我市", "本区", "本县", "本市")
# An area name standing alone (银州区, 乐都区, 鲁甸): two to four characters ending in 区/县/市.
AREA = re.compile(r"[\u4e00-\u9fff]{2,3}[区县市](?=[^\u4e00-\u9fff]|[共已先均都又还并依及积认全严切逐主连常定新现])")
# 3.2 slot 3: adverbs, conjunctions and the openers of a phrase of means or basis.
ADVERBS = ("共计", "合计", "总计", "累计", "先后", "已经", "同时", "依法", "及时", "准确", "积极", "认真", "全面",
           "严格", "切实", "逐一", "主动", "连续", "常年", "定期", "分别", "共", "已", "均", "都", "又", "还", "并",
           "现已", "目前已", "进一步", "不断", "另")
MEANS = ("通过", "利用", "依托", "按照", "根据", "结合", "依据", "围绕", "针对")
# 3.2 slot 4: verbs that only introduce the figure, and verbs that make someone else act.
INTRO_VERBS = ("组织开展", "开展了", "开展", "组织", "举办了", "举办", "召开了", "召开", "完成了", "完成", "实现了",
               "实现", "达到", "保持", "进行了", "进行", "涉及", "共有", "现有", "只有", "推动", "督促", "安排", "要求",
               "邀请", "为", "是", "有")
CAUSATIVE = ("组织", "推动", "督促", "安排", "要求", "指导", "引导")
# 3.2 slot 5 and section 4: change verbs.
CHANGE_VERBS = ("增加", "减少", "增长", "下降", "提高", "提升", "降低", "压缩", "缩短")
# 3.3: words between the name and the figure, taken off from the right.
RIGHT_WORDS = ("增加到", "增至", "提高到", "提高至", "提升至", "提升到", "降至", "降低到", "降低至", "减至", "减少到",
               "压缩至", "压缩到", "缩短至", "缩短到", "下降到", "下降至", "上升到", "增长到", "较法定时间", "较上年",
               "比上年", "同比", "环比", "共计", "合计", "总计", "累计", "已达", "达到", "多达", "超过", "共", "达", "为",
               "是", "有", "在", "计", "约", "近", "逾", "由", "从", "等", "的", "了", "分别", "增长", "增加", "减少",
               "下降", "提高", "降低", "占比")
# Words that make a clause a bare relation to another figure (3.1 D).
RELATION_WORDS = ("占比", "共计", "合计", "总计", "累计", "共减少", "共增加", "减至", "增至", "同比增长", "同比下降")
# 3.1 C: words that leave the figure without a name before it.
HEAD_WORDS = ("其中", "其余", "另有", "另", "无", "对", "为", "向", "给", "由")
# 3.1 A: words allowed between the figure and the noun it counts.
AFTER_SKIP = re.compile(r"(?:以上|以下|以内|左右|多|余|的|\s|\u00a0)*")
# Section 4, order 1: target cues.
TARGET_CUES = ("力争", "确保", "目标", "要求", "不低于", "不少于", "不超过", "控制在", "拟", "计划", "预计", "争取",
               "将")
LEVEL_VERBS = ("达到", "提高到", "提高至", "提升至", "提升到", "压缩至", "压缩到", "缩短至", "降至", "增加到", "增至",
               "实现", "达")
CHANGE_BASELINES = ("同比", "环比", "较", "比上年", "比去年")
RATE_SUFFIXES = ("率", "比例", "占比", "比重", "覆盖率", "率”")
# Section 6: the words a body or group ends with.
BODY_SUFFIXES = ("调解组织", "调委会", "委员会", "法院", "检察院", "公安机关", "公安局", "局", "部门", "镇街", "平台",
                 "机构", "中心组", "法律顾问", "顾问", "负责人", "街道", "办公室", "乡镇", "单位", "司法所", "中心",
                 "派出所", "律师")
# Time expressions (section 5).
PERIOD = re.compile(
    r"(?:截至|截止|截止到|截至到)(?:目前|今年底|年底|\d{6,8}日|\d{4}\s?年?(?:\d{1,2}月)?(?:\d{1,2}日)?底?|\d{1,2}月底|\d{1,2}月末)"
    r"|自?\d{4}\s?年(?:\d{1,2}月)?(?:\d{1,2}日)?(?:至今|以来|上半年|下半年|度|底)?"
    r"|\d{5,6}月"
    r"|今年以来|今年|全年|上半年|下半年|每年|目前|去年|连续[一二三两四五六七八九十\d]+年"
    r"|“[^”]{1,8}”期间|[一二三四五六七八九十]五期间"
)
# 3.2: verbs that stay in the metric and may follow a subject (section 6), beside jieba's verb tag.
KEPT_VERBS = ("受理", "办结", "办理", "审查", "审核", "审理", "备案", "清理", "废止", "培训", "调解", "化解", "查处",
              "收到", "接收", "接待", "发布", "梳理", "制定", "聘任", "聘请", "注销", "发放", "出动", "制作", "出庭",
              "参与", "提供", "学习", "解除", "录入", "编制", "行政应诉", "应诉", "签订", "印发", "开展", "组织")
# 3.1 A: verbs that say what the counted noun does next; they end the noun phrase after the figure.
PREDICATE_VERBS = ("具有", "参加", "提交", "签订", "实现", "开设", "出具", "给予", "值班", "成立", "做", "任", "进行",
                   "入库", "提请", "获得", "参与", "接受", "完成", "开展", "落实", "建立", "纳入", "达到", "被", "受到",
                   "取得", "办理", "调入", "参会", "参训", "通过", "上线", "入驻", "进驻", "覆盖", "对", "由", "在", "向")
# 3.1 A: nouns that a measure word counts; the noun phrase after a figure ends with one of them
# unless a list (、和及) goes on.
HEAD_NOUNS = ("行政部门", "市场主体", "政府网站", "单位", "部门", "机关", "组织", "企业", "人员", "干部", "事项", "案件",
              "村", "社区", "领域", "行业", "律师", "劳动者", "对象", "网格", "班次", "问题", "群众", "主体", "机构",
              "窗口", "站点", "委员", "镇街", "场所", "学校")
# 3.1 D: relations to the first figure of the sentence (a total, a difference); others borrow the previous name.
TOTAL_WORDS = ("共计", "合计", "总计", "共减少", "共增加", "累计")
