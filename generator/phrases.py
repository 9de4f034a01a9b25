"""Phrase banks the generator builds feedback texts from (data only, no logic).

Markers inside a phrase (parsed by ``generator.text``):

- a leading ``!! `` marks the phrase *urgent* (outage, fault, safety, charged twice, 账户被盗, 故障),
  a leading ``! `` marks it *high* (functional defect, refund); everything else is *normal*;
- then ``S|`` restricts the phrase to soft goods (apparel, footwear), ``H|`` to hard goods;
- ``{i}`` is an intensifier slot ("really ", "so ", "很", "非常" ...); it never starts a phrase;
- ``{L}`` (titles only) is the topic label.

English clauses are lower-case sentence fragments without final punctuation; the composer capitalises and
punctuates. Chinese clauses carry no final punctuation either.
"""

from __future__ import annotations

TOPIC_L1: dict[str, str] = {
    "ui": "product",
    "performance": "product",
    "stability": "product",
    "compatibility": "product",
    "login": "product",
    "features": "product",
    "quality": "product",
    "sizing": "product",
    "response_speed": "service",
    "staff_attitude": "service",
    "delivery": "service",
    "damaged_item": "service",
    "refund_returns": "service",
    "too_expensive": "price",
    "billing_errors": "price",
    "promotions": "price",
    "other": "other",
}

# Short labels used inside titles and ticket subjects.
LABELS: dict[str, tuple[str, str]] = {
    "ui": ("App interface", "界面"),
    "performance": ("App speed", "加载速度"),
    "stability": ("App crashes", "闪退"),
    "compatibility": ("Compatibility", "兼容性"),
    "login": ("Login", "登录"),
    "features": ("Features", "功能"),
    "quality": ("Product quality", "质量"),
    "sizing": ("Sizing", "尺码"),
    "response_speed": ("Response time", "客服响应"),
    "staff_attitude": ("Staff attitude", "服务态度"),
    "delivery": ("Delivery", "物流"),
    "damaged_item": ("Damaged item", "商品破损"),
    "refund_returns": ("Refund", "退款"),
    "too_expensive": ("Pricing", "价格"),
    "billing_errors": ("Billing", "扣费"),
    "promotions": ("Promotion", "优惠活动"),
    "other": ("Feedback", "反馈"),
}

# Per topic and language: neg / neg_not (negated positive, still negative) / pos / pos_not (negated
# negative, still positive) / sug (suggestion) / q (question).
CORE: dict[str, dict[str, dict[str, list[str]]]] = {
    "ui": {
        "en": {
            "neg": [
                "the new layout is {i}confusing",
                "I can't find my order history anywhere in the app",
                "the buttons are {i}tiny on my phone",
                "the text is {i}hard to read in dark mode",
                "the menu jumps around every time I scroll",
                "! the checkout button doesn't respond when I tap it",
            ],
            "neg_not": [
                "the new design is not intuitive at all",
                "the app doesn't feel easy to navigate anymore",
                "the redesign is not an improvement",
            ],
            "pos": [
                "the new design looks {i}clean",
                "everything is {i}easy to find now",
                "I love the new dark mode",
                "the app looks {i}modern after the redesign",
            ],
            "pos_not": [
                "the redesign isn't confusing at all",
                "the new layout is not bad at all",
            ],
            "sug": [
                "please bring back the old order history page",
                "it would be nice to have a bigger font option",
                "let us customise the home screen",
            ],
            "q": [
                "how do I switch back to the old layout?",
                "where did the wishlist button go?",
                "is there a way to make the text bigger?",
            ],
        },
        "zh": {
            "neg": [
                "新版界面{i}乱",
                "在App里找不到订单记录",
                "按钮{i}小，老是点错",
                "夜间模式下字看不清",
                "一滑动菜单就乱跳",
                "! 结算按钮点了没反应",
            ],
            "neg_not": ["新界面不太好用", "新版设计一点也不直观", "改版后不太顺手"],
            "pos": ["新界面{i}简洁", "功能入口{i}清楚，一下就找到了", "夜间模式做得{i}好", "改版后{i}好看"],
            "pos_not": ["新版界面一点也不乱", "改版后一点都不难用"],
            "sug": ["希望能恢复旧版的订单页面", "建议增加大字体模式", "希望首页可以自定义"],
            "q": ["怎么切换回旧版界面？", "收藏按钮去哪里了？", "字体可以调大吗？"],
        },
    },
    "performance": {
        "en": {
            "neg": [
                "the app is {i}slow to load",
                "pages take forever to open",
                "search results load {i}slowly",
                "the app drains my battery {i}fast",
                "it lags every time I scroll through products",
            ],
            "neg_not": ["the app is not fast at all", "scrolling is not smooth anymore"],
            "pos": [
                "the app is {i}fast now",
                "pages load {i}quickly",
                "scrolling is {i}smooth after the update",
            ],
            "pos_not": ["the app isn't slow at all anymore", "browsing is not laggy anymore"],
            "sug": [
                "please make the product pages load faster",
                "it would help to cache images so browsing is quicker",
                "please optimise the app for older phones",
            ],
            "q": [
                "is there a lite version for older phones?",
                "how can I make the app load faster?",
                "does clearing the cache help with speed?",
            ],
        },
        "zh": {
            "neg": [
                "加载{i}慢",
                "打开页面要等很久",
                "搜索结果出来得{i}慢",
                "App{i}耗电",
                "一滑动商品列表就卡",
            ],
            "neg_not": ["运行速度不太行", "用起来一点也不流畅"],
            "pos": ["运行{i}流畅", "页面打开{i}快", "更新后速度快多了"],
            "pos_not": ["加载一点也不慢", "用起来一点都不卡"],
            "sug": ["希望优化一下加载速度", "建议出个轻量版", "希望对老手机做些优化"],
            "q": ["有没有办法让App加载快一点？", "清缓存能提升速度吗？", "有精简版吗？"],
        },
    },
    "stability": {
        "en": {
            "neg": [
                "!! the app crashes every time I open it",
                "!! the whole site was down and I couldn't place an order",
                "! the app freezes on the payment page",
                "! it keeps crashing when I upload a photo",
                "!! the service has been down all morning",
                "! the app logs me out for no reason",
            ],
            "neg_not": ["! the app is not stable at all", "! the latest version doesn't work properly"],
            "pos": [
                "the app hasn't crashed once since the update",
                "the app is {i}stable now",
                "everything works {i}reliably",
            ],
            "pos_not": ["no crashes at all anymore", "the new version is not buggy at all"],
            "sug": [
                "please test updates more before releasing them",
                "please add an offline mode so I don't lose my cart",
                "it would be great to have a service status page",
            ],
            "q": [
                "is there a known issue with the latest update?",
                "which app version is the most stable?",
                "will reinstalling the app clear my saved cart?",
            ],
        },
        "zh": {
            "neg": [
                "!! 一打开App就闪退",
                "!! 网站整个崩了，根本下不了单",
                "! 付款页面卡死不动",
                "! 上传照片就闪退",
                "!! 系统故障，一上午都用不了",
                "! 老是莫名其妙退出登录",
            ],
            "neg_not": ["! App一点也不稳定", "! 新版本用不了"],
            "pos": ["更新后再也没闪退过", "App现在{i}稳定", "用起来{i}靠谱"],
            "pos_not": ["一次都没崩过", "新版本一点都不卡顿"],
            "sug": ["希望发版前多测试一下", "建议加个离线模式，别让购物车丢了", "希望能有个服务状态页面"],
            "q": ["最新版本是不是有已知问题？", "哪个版本最稳定？", "重装App会清空购物车吗？"],
        },
    },
    "compatibility": {
        "en": {
            "neg": [
                "! the app doesn't work on my iPad",
                "! the watch won't pair with my Android phone",
                "the app isn't available for my older iPhone",
                "! it stopped syncing after the iOS update",
                "the speaker doesn't work with my smart home hub",
            ],
            "neg_not": ["it's not compatible with my phone at all", "it doesn't play well with Google Home"],
            "pos": [
                "it pairs with my phone {i}easily",
                "works {i}well with Alexa and Google Home",
                "setup on Android was {i}smooth",
            ],
            "pos_not": [
                "pairing was not a hassle at all",
                "no compatibility problems at all with my old laptop",
            ],
            "sug": [
                "please add support for older Android versions",
                "it would be great to support Apple Health",
                "please release a tablet version",
            ],
            "q": [
                "does it work with Android 10?",
                "is it compatible with HomeKit?",
                "will there be an iPad version?",
            ],
        },
        "zh": {
            "neg": [
                "! 在iPad上用不了",
                "! 手表连不上我的安卓手机",
                "旧款iPhone装不了这个App",
                "! 升级iOS后就不同步了",
                "音箱跟智能家居网关不兼容",
            ],
            "neg_not": ["跟我的手机一点也不兼容", "和小米手机配合得不太好"],
            "pos": ["跟手机配对{i}方便", "和小爱同学配合得{i}好", "安卓上设置{i}顺利"],
            "pos_not": ["配对一点也不麻烦", "跟旧电脑一起用也没有任何兼容问题"],
            "sug": ["希望支持老版本安卓", "建议接入华为健康", "希望出个平板版本"],
            "q": ["支持安卓10吗？", "能接入HomeKit吗？", "会出iPad版吗？"],
        },
    },
    "login": {
        "en": {
            "neg": [
                "!! my account was hacked and someone placed orders",
                "! I can't log in even after resetting my password",
                "! the verification code never arrives",
                "! I get logged out every few minutes",
                "! the login page just spins forever",
                "!! someone changed my password and I'm locked out",
            ],
            "neg_not": ["! logging in is not working for me", "the two-step verification is not reliable"],
            "pos": [
                "logging in with Face ID is {i}convenient",
                "the password reset was {i}quick",
                "signing in is {i}easy now",
            ],
            "pos_not": ["logging in is no hassle at all now", "the verification code was not slow at all"],
            "sug": [
                "please add sign in with Apple",
                "it would be nice to stay logged in longer",
                "please support authenticator apps, not just SMS",
            ],
            "q": [
                "how do I change the phone number on my account?",
                "can I log in with my email instead of my phone?",
                "how do I turn on two-step verification?",
            ],
        },
        "zh": {
            "neg": [
                "!! 账户被盗了，有人用我的账号下单",
                "! 重置密码后还是登不上",
                "! 一直收不到验证码",
                "! 每隔几分钟就被踢下线",
                "! 登录页面一直转圈",
                "!! 密码被人改了，账号被锁",
            ],
            "neg_not": ["登录体验不太好", "验证码不太靠谱"],
            "pos": ["刷脸登录{i}方便", "重置密码{i}快", "现在登录{i}简单"],
            "pos_not": ["登录一点也不麻烦", "验证码来得一点都不慢"],
            "sug": ["希望支持微信登录", "建议延长登录有效期", "希望支持身份验证器，而不只是短信"],
            "q": ["怎么修改账号绑定的手机号？", "可以用邮箱登录吗？", "怎么开启两步验证？"],
        },
    },
    "features": {
        "en": {
            "neg": [
                "there's still no way to see order progress in the app",
                "the wishlist feature is {i}useless",
                "you removed the compare feature I used every day",
                "! the size filter doesn't work",
                "the app is missing basic features like saved addresses",
            ],
            "neg_not": [
                "the new features are not useful at all",
                "the recommendations are not relevant to me",
            ],
            "pos": [
                "the new order tracking feature is {i}useful",
                "I love the price drop alerts",
                "wishlist sharing is {i}handy",
            ],
            "pos_not": ["the new features are not gimmicky at all", "the recommendations aren't bad at all"],
            "sug": [
                "please add a dark mode",
                "it would be great to split payments",
                "please add a way to save multiple addresses",
                "let me share my wishlist with family",
            ],
            "q": [
                "is there a way to set price alerts?",
                "can I export my order history?",
                "when will dark mode be available?",
            ],
        },
        "zh": {
            "neg": [
                "App里到现在还不能看订单进度",
                "心愿单功能{i}鸡肋",
                "你们把我天天用的比价功能删了",
                "! 尺码筛选功能用不了",
                "连保存多个地址这种基本功能都没有",
            ],
            "neg_not": ["新功能不太实用", "推荐的东西一点也不准"],
            "pos": ["新的订单追踪功能{i}实用", "降价提醒功能很喜欢", "心愿单分享{i}方便"],
            "pos_not": ["新功能一点也不鸡肋", "推荐的东西一点也不离谱"],
            "sug": [
                "希望增加夜间模式",
                "建议支持分期付款",
                "希望可以保存多个收货地址",
                "希望心愿单能分享给家人",
            ],
            "q": ["能设置降价提醒吗？", "可以导出历史订单吗？", "夜间模式什么时候上线？"],
        },
    },
    "quality": {
        "en": {
            "neg": [
                "S|the fabric feels {i}cheap",
                "! S|the zipper broke after two days",
                "S|the stitching came apart after one wash",
                "S|the colour faded after the first wash",
                "!! H|the charger got so hot it started smoking",
                "! H|it stopped working after a week",
                "H|the buttons feel {i}flimsy",
                "! H|the battery dies within an hour",
                "the quality is {i}poor",
            ],
            "neg_not": [
                "the quality is not what I expected",
                "S|the material doesn't feel durable",
                "H|it doesn't feel well made",
            ],
            "pos": [
                "H|the build quality is {i}solid",
                "S|the fabric feels {i}soft",
                "H|the sound is {i}impressive",
                "still looks new after months of use",
                "the quality is {i}good",
            ],
            "pos_not": [
                "S|the material doesn't feel cheap at all",
                "the quality is not bad at all",
                "H|it doesn't feel flimsy at all",
            ],
            "sug": [
                "S|please use a stronger zipper",
                "S|it would be better with thicker fabric",
                "please offer a longer warranty",
                "H|please make the battery last longer",
            ],
            "q": [
                "S|is it machine washable?",
                "what is the warranty period?",
                "H|is the battery replaceable?",
                "S|will it shrink in the wash?",
            ],
        },
        "zh": {
            "neg": [
                "S|面料{i}差",
                "! S|拉链两天就坏了",
                "S|洗一次就开线了",
                "S|洗一次就掉色",
                "!! H|充电器烫得冒烟了，太危险",
                "! H|用了一周就坏了",
                "H|按键{i}松",
                "! H|电池一个小时就没电",
                "质量{i}差",
            ],
            "neg_not": ["质量不太好", "做工一点也不精细", "S|面料摸着不太舒服"],
            "pos": ["H|做工{i}扎实", "S|面料{i}舒服", "H|音质{i}好", "用了几个月还跟新的一样", "质量{i}好"],
            "pos_not": ["质量一点也不差", "S|面料摸起来一点都不廉价", "H|做工一点也不粗糙"],
            "sug": ["S|建议换个结实点的拉链", "S|希望面料再厚一点", "希望延长保修期", "H|希望续航再长一点"],
            "q": ["S|可以机洗吗？", "保修期是多久？", "H|电池可以换吗？", "S|洗了会缩水吗？"],
        },
    },
    "sizing": {
        "en": {
            "neg": [
                "the shoes run {i}small",
                "it's way too big even in my usual size",
                "the size chart is {i}inaccurate",
                "the sleeves are {i}short",
                "the medium fits like a small",
            ],
            "neg_not": ["the size chart is not accurate", "the fit is not true to size"],
            "pos": ["it fits {i}well", "true to size and {i}comfortable", "the size chart was {i}accurate"],
            "pos_not": ["the sizing isn't off at all", "the fit is not too tight at all"],
            "sug": [
                "please add measurements in cm to the size chart",
                "it would help to show the model's height and size",
                "please offer half sizes",
            ],
            "q": [
                "should I size up for this one?",
                "do these run true to size?",
                "what size would you recommend for 175 cm?",
            ],
        },
        "zh": {
            "neg": [
                "尺码{i}不准",
                "按平时的码买的，结果大了一圈",
                "袖子{i}短",
                "M码穿着像S码",
                "鞋子{i}挤脚",
            ],
            "neg_not": ["尺码表不太准", "版型一点也不正"],
            "pos": ["尺码{i}合适", "穿着{i}舒服，尺码很标准", "尺码表{i}准"],
            "pos_not": ["尺码一点也不偏", "穿上一点都不紧"],
            "sug": ["希望尺码表加上厘米数据", "建议标注模特身高和尺码", "希望有半码"],
            "q": ["要买大一码吗？", "这款尺码标准吗？", "身高175穿什么码？"],
        },
    },
    "response_speed": {
        "en": {
            "neg": [
                "I've been waiting three days for a reply",
                "customer service takes {i}long to respond",
                "nobody answered my email for a week",
                "the chat queue took over an hour",
                "I had to call four times before anyone picked up",
            ],
            "neg_not": ["support is not responsive at all", "the reply was not timely"],
            "pos": [
                "support replied {i}quickly",
                "I got an answer within minutes",
                "the live chat was {i}fast",
            ],
            "pos_not": ["I didn't have to wait long at all", "the response was not slow at all"],
            "sug": [
                "please add live chat on weekends",
                "it would help to show the expected wait time",
                "please reply to emails faster",
            ],
            "q": [
                "what are your customer service hours?",
                "how long does it usually take to get a reply?",
                "is there a phone number I can call?",
            ],
        },
        "zh": {
            "neg": [
                "等了三天都没人回复",
                "客服回复{i}慢",
                "发邮件一个星期都没人理",
                "在线客服排队排了一个多小时",
                "打了四次电话才有人接",
            ],
            "neg_not": ["客服一点也不及时", "回复速度不太行"],
            "pos": ["客服回复{i}及时", "几分钟就得到了答复", "在线客服响应{i}快"],
            "pos_not": ["一点也没让我等", "回复一点都不慢"],
            "sug": ["希望周末也有在线客服", "建议显示预计等待时间", "希望邮件回复能快一点"],
            "q": ["客服几点上班？", "一般多久能回复？", "有客服电话吗？"],
        },
    },
    "staff_attitude": {
        "en": {
            "neg": [
                "the agent was {i}rude to me",
                "the support person hung up on me",
                "the staff didn't care about my problem at all",
                "I was treated like a liar",
                "the agent kept copy-pasting the same answer",
            ],
            "neg_not": ["the agent was not helpful at all", "the staff were not polite"],
            "pos": [
                "the agent was {i}friendly and patient",
                "Lisa from support was {i}helpful",
                "the staff went above and beyond",
            ],
            "pos_not": ["the agent was not rude at all", "nobody was dismissive, not even once"],
            "sug": [
                "please train your agents to actually read the ticket",
                "it would be nice to talk to the same agent each time",
                "please let agents escalate issues more easily",
            ],
            "q": [
                "can I speak to a supervisor?",
                "how do I leave feedback about an agent?",
                "can I request the same agent again?",
            ],
        },
        "zh": {
            "neg": [
                "客服态度{i}差",
                "客服直接挂了我电话",
                "客服根本不在乎我的问题",
                "被当成骗子一样对待",
                "客服一直复制粘贴同样的话",
            ],
            "neg_not": ["客服一点也不耐心", "工作人员不太礼貌"],
            "pos": ["客服{i}耐心", "小王{i}热情，帮了大忙", "客服态度{i}好"],
            "pos_not": ["客服一点也不敷衍", "态度一点都不差"],
            "sug": ["希望客服能认真看完问题再回复", "建议每次由同一个客服跟进", "希望客服能更方便地升级问题"],
            "q": ["可以找主管吗？", "怎么评价客服？", "能指定之前的客服吗？"],
        },
    },
    "delivery": {
        "en": {
            "neg": [
                "delivery was {i}slow",
                "my package is two weeks late",
                "the courier marked it delivered, yet nothing arrived",
                "tracking hasn't updated in five days",
                "the parcel was left in the rain outside my door",
            ],
            "neg_not": ["delivery was not on time", "the shipping updates are not reliable"],
            "pos": [
                "delivery was {i}fast",
                "it arrived a day earlier than expected",
                "the courier was {i}careful with the package",
            ],
            "pos_not": ["shipping was not slow at all", "delivery wasn't a problem at all"],
            "sug": [
                "please offer a faster shipping option",
                "it would help to choose a delivery time slot",
                "please use a different courier",
            ],
            "q": ["where is my order?", "can I change my delivery address?", "do you ship to Canada?"],
        },
        "zh": {
            "neg": [
                "物流{i}慢",
                "包裹晚了两个星期",
                "显示已签收但我根本没收到",
                "物流信息五天没更新了",
                "快递直接把包裹扔在门口淋雨",
            ],
            "neg_not": ["物流不太给力", "快递一点也不准时"],
            "pos": ["物流{i}快", "比预计早一天到", "快递小哥{i}负责"],
            "pos_not": ["物流一点也不慢", "配送完全没问题"],
            "sug": ["希望增加次日达选项", "建议可以选择送货时间", "希望换一家快递"],
            "q": ["我的订单到哪里了？", "可以修改收货地址吗？", "能寄到香港吗？"],
        },
    },
    "damaged_item": {
        "en": {
            "neg": [
                "the box arrived crushed",
                "! H|the screen was cracked when I opened the box",
                "it arrived {i}scratched",
                "! H|the glass part was shattered in the box",
                "the packaging was torn and the item was dented",
                "S|it arrived stained and torn",
            ],
            "neg_not": ["the packaging was not sturdy enough", "the item did not arrive in good condition"],
            "pos": [
                "everything arrived {i}well packed",
                "the packaging was {i}secure",
                "not a single scratch on it",
            ],
            "pos_not": ["nothing was damaged at all", "the box wasn't dented at all"],
            "sug": [
                "please use more padding for fragile items",
                "it would help to double box electronics",
                "please mark fragile parcels clearly",
            ],
            "q": [
                "what should I do if my item arrived damaged?",
                "do I need to keep the damaged box?",
                "can you send a replacement for a broken part?",
            ],
        },
        "zh": {
            "neg": [
                "箱子到的时候已经压扁了",
                "! H|打开一看屏幕就是碎的",
                "东西到手就有划痕",
                "! H|玻璃部分碎了",
                "包装破了，东西也磕坏了",
                "S|收到就有污渍和破洞",
            ],
            "neg_not": ["包装一点也不结实", "收到的东西不太完好"],
            "pos": ["包装{i}严实", "东西完好无损，包装{i}用心", "包装{i}仔细"],
            "pos_not": ["一点磕碰都没有", "包装一点也不马虎"],
            "sug": ["易碎品希望多加点泡沫", "建议电子产品用双层包装", "希望在易碎包裹上标注清楚"],
            "q": ["收到的东西坏了怎么办？", "坏的包装盒需要留着吗？", "配件坏了能补发吗？"],
        },
    },
    "refund_returns": {
        "en": {
            "neg": [
                "! I'm still waiting for my refund after three weeks",
                "! you refused my return for no reason",
                "! the refund was less than what I paid",
                "the return process is {i}complicated",
                "! I want a refund, this is unacceptable",
            ],
            "neg_not": ["! my refund is not processed yet", "returning the item was not easy"],
            "pos": [
                "the refund was {i}quick",
                "returning was {i}easy",
                "I got my money back within two days",
            ],
            "pos_not": [
                "the return process wasn't complicated at all",
                "getting my money back was no hassle",
            ],
            "sug": [
                "please include a free return label",
                "it would help to see the status of my return",
                "please allow returns in store",
            ],
            "q": [
                "! how long does a refund take?",
                "how do I return an item?",
                "can I exchange it for another size instead?",
            ],
        },
        "zh": {
            "neg": [
                "! 退款三个星期了还没到账",
                "! 无缘无故拒绝我退货",
                "! 退款金额比我付的少",
                "退货流程{i}麻烦",
                "! 我要退款，太过分了",
            ],
            "neg_not": ["! 退款一直没处理", "退货一点也不方便"],
            "pos": ["退款{i}快", "退货{i}方便", "两天就收到钱了"],
            "pos_not": ["退货一点也不麻烦", "退钱完全没有刁难"],
            "sug": ["希望提供免费退货标签", "建议可以查看退货进度", "希望支持门店退货"],
            "q": ["! 退款一般多久到账？", "怎么申请退货？", "可以换货吗？"],
        },
    },
    "too_expensive": {
        "en": {
            "neg": [
                "it's {i}overpriced for what you get",
                "the price went up again",
                "way too expensive compared to other brands",
                "shipping fees are {i}high",
                "I can find the same thing for half the price elsewhere",
            ],
            "neg_not": ["it's not worth the money", "the price is not reasonable"],
            "pos": [
                "the price is {i}fair",
                "it's {i}good value for money",
                "cheaper than the other brands I've tried",
            ],
            "pos_not": ["it's not expensive at all for the quality", "the price is not bad at all"],
            "sug": [
                "please offer a cheaper basic version",
                "it would be nice to have a student discount",
                "please lower the shipping fee",
            ],
            "q": ["will the price drop soon?", "do you offer price matching?", "is there a bundle price?"],
        },
        "zh": {
            "neg": ["价格{i}贵", "又涨价了", "比别的牌子贵太多", "运费{i}高", "别家同样的东西便宜一半"],
            "neg_not": ["性价比不太高", "这个价格一点也不值"],
            "pos": ["价格{i}实惠", "性价比{i}高", "比其他牌子便宜"],
            "pos_not": ["这个质量，价格一点也不贵", "价格还不错，不算贵"],
            "sug": ["希望出个便宜点的基础款", "建议有学生优惠", "希望降低运费"],
            "q": ["最近会降价吗？", "支持保价吗？", "有套装优惠吗？"],
        },
    },
    "billing_errors": {
        "en": {
            "neg": [
                "!! I was charged twice for the same order",
                "!! you charged my card twice",
                "the invoice shows the wrong amount",
                "! I was charged for a subscription I cancelled",
                "my payment went through, yet the order still shows unpaid",
            ],
            "neg_not": ["the bill is not correct", "the charges on my statement don't add up"],
            "pos": [
                "billing was {i}clear",
                "the invoice was {i}easy to understand",
                "they fixed the overcharge right away",
            ],
            "pos_not": ["no surprise fees at all", "the invoice was not confusing at all"],
            "sug": [
                "please send an invoice with every order",
                "it would help to show tax separately",
                "please add more payment methods",
            ],
            "q": [
                "can I get a VAT invoice?",
                "why is there a pending charge on my card?",
                "how do I update my payment method?",
            ],
        },
        "zh": {
            "neg": [
                "!! 同一个订单被扣了两次钱",
                "!! 被重复扣款了",
                "发票金额不对",
                "! 已经取消的订阅还在扣费",
                "付了款订单却显示未支付",
            ],
            "neg_not": ["账单不太对", "扣款金额一点也对不上"],
            "pos": ["账单{i}清楚", "发票开得{i}快", "多扣的钱很快就处理好了"],
            "pos_not": ["没有任何乱收费", "账单一点也不复杂"],
            "sug": ["希望每个订单都能开发票", "建议把税费单独列出", "希望支持更多支付方式"],
            "q": ["可以开增值税发票吗？", "为什么我的卡有一笔待处理扣款？", "怎么更换支付方式？"],
        },
    },
    "promotions": {
        "en": {
            "neg": [
                "the coupon code doesn't work",
                "the sale price disappeared at checkout",
                "I missed the promotion because the email came late",
                "the flash sale sold out in seconds",
                "the discount terms are {i}misleading",
            ],
            "neg_not": ["the promotion was not as advertised", "the coupon is not valid on anything"],
            "pos": [
                "the holiday sale was {i}good",
                "great discounts during the anniversary sale",
                "the member coupons are {i}generous",
            ],
            "pos_not": ["the deal was not a gimmick at all", "the discount wasn't misleading at all"],
            "sug": [
                "please let coupons stack",
                "it would be nice to get early access to sales",
                "please send promotion reminders by SMS",
            ],
            "q": [
                "when is the next sale?",
                "can I use two coupons on one order?",
                "does the discount apply to sale items?",
            ],
        },
        "zh": {
            "neg": [
                "优惠券用不了",
                "结算时活动价没了",
                "活动通知来得太晚，错过了优惠",
                "秒杀几秒就抢光了",
                "优惠规则{i}坑",
            ],
            "neg_not": ["活动跟宣传的不太一样", "优惠券一点也不好用"],
            "pos": ["双十一活动力度{i}大", "周年庆折扣{i}给力", "会员优惠券{i}多"],
            "pos_not": ["优惠一点也不套路", "活动一点都不坑"],
            "sug": ["希望优惠券可以叠加", "建议会员能提前参加活动", "希望活动开始前短信提醒"],
            "q": ["下次大促是什么时候？", "一个订单能用两张券吗？", "特价商品能用优惠券吗？"],
        },
    },
    "other": {
        "en": {
            "neg": [
                "I'm {i}disappointed with the whole experience",
                "worst shopping experience I've had",
                "everything about this order went wrong",
                "I expected much better from you",
            ],
            "neg_not": ["not happy at all", "this is not what I hoped for"],
            "pos": [
                "I'm {i}happy with my purchase",
                "great experience overall",
                "everything was perfect",
                "best online shop I've used",
            ],
            "pos_not": ["nothing to complain about", "I'm not disappointed at all"],
            "sug": [
                "please keep the good work going",
                "would love to see more eco-friendly options",
                "please expand to more countries",
            ],
            "q": [
                "how can I contact you?",
                "do you have a physical store?",
                "where can I find your privacy policy?",
            ],
        },
        "zh": {
            "neg": [
                "整体体验{i}差",
                "这是我最糟糕的一次购物经历",
                "这次订单什么都不顺",
                "本来期待很高，结果很失望",
            ],
            "neg_not": ["一点也不满意", "跟我想的完全不一样"],
            "pos": ["整体体验{i}好", "购物体验{i}棒", "一切都很完美", "这是我用过最好的购物平台"],
            "pos_not": ["没什么可抱怨的", "一点也不失望"],
            "sug": ["继续保持", "希望多出一些环保的产品", "希望开拓更多国家"],
            "q": ["怎么联系你们？", "你们有实体店吗？", "隐私政策在哪里看？"],
        },
    },
}

# Topic-free building blocks per language. Empty strings weight the "no opener / no closer" case.
GENERIC: dict[str, dict[str, list[str]]] = {
    "en": {
        "opener_neg": [
            "",
            "",
            "",
            "Honestly, ",
            "Ugh. ",
            "Really disappointed. ",
            "Not happy. ",
            "Seriously, ",
            "I have to say ",
            "Frankly, ",
            "This is frustrating. ",
            "Third time writing about this. ",
        ],
        "opener_pos": [
            "",
            "",
            "",
            "Wow, ",
            "Just wanted to say ",
            "Honestly, ",
            "Very happy! ",
            "Great experience. ",
            "Have to say, ",
            "Five stars. ",
        ],
        "opener_sug": [
            "",
            "",
            "Suggestion: ",
            "Just an idea: ",
            "One request: ",
            "Feature request: ",
            "Small thing: ",
        ],
        "opener_q": ["", "", "Hi, ", "Hello, ", "Quick question: ", "Hi team, ", "Hey, "],
        "opener_ret": [""],
        "closer_neg": [
            " Please fix this.",
            " Very disappointed.",
            " Not acceptable.",
            " Do better.",
            " I expect a response.",
            " Thinking of switching brands.",
        ],
        "closer_pos": [" Thank you!", " Keep it up!", " Highly recommend.", " Will buy again.", " Love it."],
        "closer_sug": [" Thanks!", " Thanks for listening.", " Would really appreciate it."],
        "closer_q": [" Thanks!", " Thanks in advance.", " Appreciate the help."],
        "closer_ret": [""],
        "complaint_question": [
            " Why is this so hard?",
            " Is anyone even reading this?",
            " How is this still not fixed?",
            " What am I supposed to do now?",
            " Why does nobody care?",
        ],
        "lead_pos": [
            "great product",
            "I like the product overall",
            "the product itself is nice",
            "I've been a loyal customer for years",
            "the idea is great",
            "love the design",
            "the app used to be great",
            "I usually love your stuff",
        ],
        "lead_minor_neg": [
            "I was skeptical at first",
            "it took a while to get used to it",
            "I had my doubts",
            "there were a few small hiccups",
            "the first week was a bit rough",
        ],
        "lead_notbad": ["not bad at all", "not bad", "can't complain", "no complaints"],
        "join_contrast": [", but ", " but ", "; unfortunately, ", ". Sadly, "],
        "join_contrast_pos": [", but ", " but ", ", but honestly ", ". That said, "],
        "join_comma": [", "],
        "join_double": [". ", ". Also, ", ". And "],
        "punct_neg": [".", ".", "!", "!!", "..."],
        "punct_pos": [".", "!", "!", "!!"],
        "punct_sug": [".", ".", "!"],
        "punct_q": [""],
        "punct_ret": ["", "."],
        "intens": ["", "", "really ", "so ", "very ", "incredibly ", "super ", "extremely "],
        "intens_pos": ["", "", "really ", "so ", "very ", "incredibly ", "super ", "extremely "],
        "emoji_neg": [" 😡", " 😤", " 👎", " 🙄", " 😞", " 😠"],
        "emoji_pos": [" 😍", " 👍", " 🎉", " ❤️", " 😊", " 🙌"],
        "emoji_neu": [" 🤔", " 🙏", " 🙂"],
        "dup_prefix": ["Again: ", "Update: ", "Still: "],
        "dup_suffix": ["!!", " 😡", "!!!"],
    },
    "zh": {
        "opener_neg": [
            "",
            "",
            "",
            "说实话，",
            "无语了。",
            "太失望了！",
            "真的很生气，",
            "吐槽一下：",
            "第三次反馈了，",
            "服了，",
        ],
        "opener_pos": [
            "",
            "",
            "",
            "必须好评！",
            "说实话，",
            "很满意！",
            "给个五星，",
            "惊喜！",
            "真心推荐，",
        ],
        "opener_sug": ["", "", "小建议：", "提个意见：", "一点想法："],
        "opener_q": ["", "", "你好，", "请问", "您好，请问", "想问一下，", "客服你好，"],
        "opener_ret": [""],
        "closer_neg": ["赶紧处理！", "太失望了。", "不能接受。", "再这样就不买了。", "请尽快给个说法。"],
        "closer_pos": ["谢谢！", "继续加油！", "推荐购买。", "还会回购。", "很喜欢。"],
        "closer_sug": ["谢谢！", "希望采纳。", "辛苦了。"],
        "closer_q": ["谢谢！", "麻烦了。", "谢谢回复。"],
        "closer_ret": [""],
        "complaint_question": ["怎么就这么难？", "到底有没有人管？", "怎么还没修好？", "我现在该怎么办？"],
        "lead_pos": [
            "东西不错",
            "产品整体挺好",
            "东西本身还行",
            "我是你们的老顾客了",
            "设计很好看",
            "App以前挺好用的",
            "一直很喜欢你们家",
        ],
        "lead_minor_neg": ["一开始有点担心", "刚开始不太习惯", "本来有点犹豫", "中间有点小波折"],
        "lead_notbad": ["还不错", "挺好的", "没什么可挑剔的", "不错不错"],
        "join_contrast": ["，但是", "，可是", "，不过", "，但"],
        "join_contrast_pos": ["，但是", "，不过", "，但"],
        "join_comma": ["，"],
        "join_double": ["，", "，而且", "。还有，"],
        "punct_neg": ["。", "！", "！！", ""],
        "punct_pos": ["。", "！", "～"],
        "punct_sug": ["。", ""],
        "punct_q": [""],
        "punct_ret": ["", "。"],
        "intens": ["很", "非常", "特别", "超级", "真的很", "太"],
        "intens_pos": ["很", "非常", "特别", "超级", "真的很"],
        "emoji_neg": ["😡", "😤", "👎", "🙄", "😞", "😠"],
        "emoji_pos": ["😍", "👍", "🎉", "❤️", "😊", "🙌"],
        "emoji_neu": ["🤔", "🙏", "🙂"],
        "dup_prefix": ["重申：", "补充：", "又来了："],
        "dup_suffix": ["！！", "😡", "！！！"],
    },
}

# Emoji-only comments (language 'other', no topic): what cleaning rules call "invalid content".
EMOJI_ONLY: dict[str, list[str]] = {
    "negative": ["👎", "😡😡😡", "💩", "🤬", "👎👎"],
    "positive": ["👍👍👍", "❤️❤️", "😍😍😍", "🔥🔥", "👍"],
}

# Titles (social posts) and ticket subjects per class; {L} is the topic label.
TITLES: dict[str, dict[str, list[str]]] = {
    "en": {
        "neg": [
            "Problem with {L}",
            "{L} issue",
            "Disappointed with {L}",
            "{L}: please fix",
            "Very unhappy",
            "Complaint about {L}",
        ],
        "pos": [
            "Love it",
            "{L} is great",
            "Great experience",
            "Five stars",
            "Thank you!",
            "Impressed with {L}",
        ],
        "sug": ["Suggestion: {L}", "Feature request", "Idea for {L}", "Feedback on {L}"],
        "q": ["Question about {L}", "{L} question", "Need help with {L}", "Quick question"],
    },
    "zh": {
        "neg": ["{L}问题", "{L}太坑了", "吐槽{L}", "关于{L}的投诉", "非常不满意", "差评"],
        "pos": ["好评", "{L}很棒", "非常满意", "五星好评", "点赞", "{L}给力"],
        "sug": ["建议：{L}", "关于{L}的建议", "功能建议", "{L}反馈"],
        "q": ["咨询{L}", "关于{L}的疑问", "{L}求助", "请教一下"],
    },
}
URGENT_SUBJECT_PREFIX: dict[str, str] = {"en": "URGENT: ", "zh": "紧急："}

# Return notes per Shopify ReturnReason: (note, topic_l2, sentiment). Every note is a complaint.
# UNKNOWN has no note: the customer left the field empty.
RETURN_NOTES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "SIZE_TOO_SMALL": {
        "en": [
            ("runs {i}small, I need a bigger size", "sizing", "neutral"),
            ("too small even though I ordered my usual size", "sizing", "negative"),
            ("the size chart is wrong, way too tight", "sizing", "negative"),
            ("need one size up", "sizing", "neutral"),
        ],
        "zh": [
            ("偏小，需要大一码", "sizing", "neutral"),
            ("按平时尺码买的还是太小", "sizing", "negative"),
            ("尺码表不准，穿着太紧", "sizing", "negative"),
            ("想换大一码", "sizing", "neutral"),
        ],
    },
    "SIZE_TOO_LARGE": {
        "en": [
            ("too big, need a smaller size", "sizing", "neutral"),
            ("runs {i}large, the size chart is misleading", "sizing", "negative"),
            ("way too loose around the waist", "sizing", "negative"),
            ("need one size down", "sizing", "neutral"),
        ],
        "zh": [
            ("偏大，需要小一码", "sizing", "neutral"),
            ("尺码{i}偏大，尺码表误导人", "sizing", "negative"),
            ("腰围太松了", "sizing", "negative"),
            ("想换小一码", "sizing", "neutral"),
        ],
    },
    "DEFECTIVE": {
        "en": [
            ("! H|stopped working after three days", "quality", "negative"),
            ("! H|won't turn on out of the box", "quality", "negative"),
            ("!! H|the battery overheated while charging", "quality", "negative"),
            ("! S|the zipper broke the first time I used it", "quality", "negative"),
            ("S|the seam ripped after one wear", "quality", "negative"),
            ("! arrived broken", "damaged_item", "negative"),
            ("! H|the screen was cracked on arrival", "damaged_item", "negative"),
        ],
        "zh": [
            ("! H|用了三天就坏了", "quality", "negative"),
            ("! H|开箱就开不了机", "quality", "negative"),
            ("!! H|充电时电池过热", "quality", "negative"),
            ("! S|第一次用拉链就坏了", "quality", "negative"),
            ("S|穿了一次就开线了", "quality", "negative"),
            ("! 到手就是坏的", "damaged_item", "negative"),
            ("! H|收到时屏幕就碎了", "damaged_item", "negative"),
        ],
    },
    "NOT_AS_DESCRIBED": {
        "en": [
            ("looks nothing like the photos", "quality", "negative"),
            ("S|the material is different from the description", "quality", "negative"),
            ("H|it's an older model than the one listed", "quality", "negative"),
            ("the box was crushed and the item is scratched", "damaged_item", "negative"),
            ("much smaller than described", "quality", "negative"),
        ],
        "zh": [
            ("跟图片完全不一样", "quality", "negative"),
            ("S|材质跟描述的不符", "quality", "negative"),
            ("H|收到的是旧款，和页面不一样", "quality", "negative"),
            ("箱子压坏了，东西也有划痕", "damaged_item", "negative"),
            ("比描述的小很多", "quality", "negative"),
        ],
    },
    "WRONG_ITEM": {
        "en": [
            ("received the wrong item", "delivery", "negative"),
            ("got a different colour than I ordered", "delivery", "negative"),
            ("S|you sent the wrong size", "delivery", "negative"),
            ("this isn't what I ordered", "delivery", "negative"),
        ],
        "zh": [
            ("发错货了", "delivery", "negative"),
            ("收到的颜色和下单的不一样", "delivery", "negative"),
            ("S|尺码发错了", "delivery", "negative"),
            ("这不是我买的东西", "delivery", "negative"),
        ],
    },
    "COLOR": {
        "en": [
            ("the colour is {i}different from the photos", "quality", "negative"),
            ("didn't like the colour in person", "other", "neutral"),
            ("the colour looks dull", "quality", "negative"),
        ],
        "zh": [
            ("颜色和图片差别{i}大", "quality", "negative"),
            ("实物颜色不喜欢", "other", "neutral"),
            ("颜色看起来很暗", "quality", "negative"),
        ],
    },
    "STYLE": {
        "en": [
            ("not my style", "other", "neutral"),
            ("looks different on me than I expected", "other", "neutral"),
            ("the design isn't for me", "other", "neutral"),
        ],
        "zh": [
            ("不是我喜欢的风格", "other", "neutral"),
            ("上身效果和想象的不一样", "other", "neutral"),
            ("款式不适合我", "other", "neutral"),
        ],
    },
    "UNWANTED": {
        "en": [
            ("changed my mind", "other", "neutral"),
            ("no longer needed", "other", "neutral"),
            ("bought a different one instead", "other", "neutral"),
            ("ordered two by mistake", "other", "neutral"),
        ],
        "zh": [
            ("不想要了", "other", "neutral"),
            ("用不上了", "other", "neutral"),
            ("买了别的", "other", "neutral"),
            ("不小心买了两个", "other", "neutral"),
        ],
    },
    "OTHER": {
        "en": [
            ("! please refund to my original card", "refund_returns", "neutral"),
            ("! the refund amount was wrong last time, please check", "refund_returns", "negative"),
            ("found it cheaper elsewhere", "too_expensive", "neutral"),
            ("it was a gift and they already have one", "other", "neutral"),
            ("delivery took too long, I don't need it anymore", "delivery", "negative"),
        ],
        "zh": [
            ("! 请原路退款", "refund_returns", "neutral"),
            ("! 上次退款金额不对，请核实", "refund_returns", "negative"),
            ("别家更便宜", "too_expensive", "neutral"),
            ("送人的，对方已经有了", "other", "neutral"),
            ("物流太慢，已经不需要了", "delivery", "negative"),
        ],
    },
    "UNKNOWN": {"en": [], "zh": []},
}

SATISFACTION_COMMENTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "good": [
            "Thanks for the quick help!",
            "Problem solved, thank you.",
            "Great support.",
            "Very helpful agent.",
        ],
        "bad": [
            "Took far too long.",
            "My problem was not solved.",
            "Nobody really helped.",
            "Had to explain it three times.",
        ],
    },
    "zh": {
        "good": ["谢谢，问题解决了。", "客服很给力。", "处理得很快。", "非常耐心，谢谢。"],
        "bad": ["等太久了。", "问题根本没解决。", "没人真正帮忙。", "同一个问题说了三遍。"],
    },
}

# Personal data that leaks into free text; {email}, {phone} or {card} is filled per row.
PII_TEMPLATES: dict[str, list[str]] = {
    "en": [
        " You can reach me at {email}.",
        " Email me: {email}",
        " My number is {phone}.",
        " Call me on {phone}.",
        " My card number is {card}.",
        " The card {card} was charged.",
    ],
    "zh": [
        "我的邮箱是{email}。",
        "邮箱{email}",
        "联系电话：{phone}",
        "电话{phone}，请尽快联系我。",
        "卡号{card}。",
        "扣款的卡是{card}。",
    ],
}
