"""The quickstart's unlabelled corpus: real English text that ships with every Python, plus
a short Chinese text written for keras_bert, in Google's pretraining format.

English: the reference pages that `help()` shows (`pydoc_data.topics`, about 80 pages of the
Python Language Reference). Paragraphs are unwrapped and split into sentences; code examples
and heading underlines are left out. Chinese: `CHINESE_DOCUMENTS` below, our own writing.
"""

import re

# Written for keras_bert (not taken from elsewhere); each string is one document.
CHINESE_DOCUMENTS = [
    "今天早上下了一场小雨。街上的行人都撑着伞，走得很慢。雨停以后，空气变得格外清新。"
    "公园里的老人开始打太极拳，孩子们在水坑边跳来跳去。卖早点的小摊前排起了长队。"
    "我买了两个包子和一杯豆浆，边走边吃。到了公司，同事们已经在讨论新项目了。",
    "学习一门新的语言需要耐心。刚开始的时候，每个字都很陌生，发音也不准确。"
    "每天读一点，写一点，慢慢就会发现自己进步了。和别人交谈是最好的练习方法。"
    "不要害怕说错，错误是学习的一部分。坚持一年以后，你就能看懂简单的文章了。",
    "这个模型先在大量没有标注的文本上进行预训练。它要猜出被遮住的词语，还要判断两个句子是否相邻。"
    "预训练结束以后，只需要少量标注数据就能完成分类任务。这种方法在中文和英文上都很有效。"
    "模型的大小可以根据预算来选择。小模型训练快，大模型效果好。",
    "周末我们去山里露营。山路很窄，车子开得很小心。到了营地，大家一起搭帐篷、生火、做饭。"
    "晚上的星星特别亮，我们躺在草地上聊天。第二天清晨，山谷里全是白色的雾。"
    "太阳出来以后，雾慢慢散去，远处的村庄出现在眼前。下山的时候，每个人都有点舍不得。",
    "厨房里飘出一股香味。妈妈正在做红烧肉，锅里的汤汁咕嘟咕嘟地冒着泡。"
    "做红烧肉要先把肉切成方块，再用小火慢慢炖。糖和酱油的比例很重要。"
    "炖好以后，肉的颜色红亮，味道又香又甜。一家人围坐在桌边，很快就把一大盘吃完了。",
    "城市的地铁越来越方便了。新线路开通以后，从东边到西边只要四十分钟。"
    "早高峰的时候车厢里非常拥挤，大家都低头看手机。有人在读新闻，有人在听音乐，也有人在补觉。"
    "地铁站里的指示牌写得很清楚，第一次来的游客也不会迷路。",
    "图书馆在晚上九点关门。考试前的那几周，座位总是很早就被占满了。"
    "有的学生带着厚厚的课本，有的学生对着电脑写论文。安静的阅览室里只能听到翻书的声音。"
    "闭馆的铃声响起时，大家收拾好东西，三三两两地走进夜色里。",
    "这台电脑用了五年，运行速度越来越慢。我决定给它换一块新的硬盘，再加一条内存。"
    "拆开机箱以后，里面积了很多灰尘。清理干净、装好零件，重新开机只用了十几秒。"
    "原来不是电脑太旧，而是需要好好保养。",
]


def chinese_text():
    """Google's layout: one sentence per line, a blank line between documents."""
    documents = []
    for document in CHINESE_DOCUMENTS:
        sentences = re.findall(r"[^。！？]+[。！？]", document)
        documents.append("\n".join(sentences))
    return "\n\n".join(documents) + "\n"


def python_reference_text():
    """The Language Reference pages of `help()`, one sentence per line, one page a document."""
    from pydoc_data.topics import topics

    documents = []
    for name in sorted(topics):
        paragraphs = _prose_paragraphs(topics[name])
        sentences = [s for p in paragraphs for s in _english_sentences(p)]
        if len(sentences) >= 2:
            documents.append("\n".join(sentences))
    return "\n\n".join(documents) + "\n"


def _prose_paragraphs(page):
    """Unwrapped paragraphs of prose: indented code, grammar rules and underlines dropped."""
    paragraphs, current = [], []
    for line in page.splitlines():
        is_prose = line.strip() and not line.startswith((" ", "\t")) and not re.fullmatch(
            r"[*=\-~^\"]+", line.strip()
        )
        if is_prose:
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _english_sentences(paragraph):
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"(])", paragraph)
    return [part.strip() for part in parts if len(part.split()) >= 3]


def write_sample_corpus(folder):
    """Write `python_reference.txt` and `chinese_sample.txt` under `folder`; return their paths."""
    import os

    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, text in (
        ("python_reference.txt", python_reference_text()),
        ("chinese_sample.txt", chinese_text()),
    ):
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        paths.append(path)
    return paths
