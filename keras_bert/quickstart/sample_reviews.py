"""The quickstart's labelled set: short reviews, English and Chinese, positive or negative.

Written for keras_bert: every review joins a subject with an opinion phrase, so the labels are
right by construction. Train and dev use different subjects, so dev accuracy measures whether
the classifier learned the opinion words rather than the things being reviewed.
"""

import csv
import os
import random

ENGLISH_SUBJECTS = [
    "The hotel", "This phone", "The service", "The film", "The new update", "This laptop",
    "The restaurant", "Our guide", "The delivery", "This book", "The coffee", "The app",
    "The concert", "The room", "This camera", "The teacher", "The train ride", "The keyboard",
]
ENGLISH_OPINIONS = {
    "positive": [
        "was wonderful.", "works perfectly.", "exceeded my expectations.", "made me very happy.",
        "is excellent value.", "was friendly and helpful.", "is great, I would recommend it.",
        "was a pleasure from start to finish.", "is fast and reliable.", "was really good.",
    ],
    "negative": [
        "was terrible.", "broke after a week.", "was a complete waste of money.",
        "made me angry.", "is slow and unreliable.", "was rude and unhelpful.",
        "is awful, avoid it.", "was a disappointment from start to finish.",
        "stopped working.", "was really bad.",
    ],
}
CHINESE_SUBJECTS = [
    "这家酒店", "这部手机", "他们的服务", "这部电影", "这次更新", "这台电脑", "这家餐厅",
    "我们的导游", "这次送货", "这本书", "这杯咖啡", "这个软件", "这场音乐会", "这个房间",
]
CHINESE_OPINIONS = {
    "positive": [
        "非常好，下次还来。", "质量很好，值得推荐。", "让我很满意。", "超出了我的期望。",
        "又快又稳定。", "服务热情，态度很好。", "性价比很高。", "真的很不错。",
    ],
    "negative": [
        "太差了，再也不来了。", "质量很差，不推荐。", "让我很失望。", "完全是浪费钱。",
        "又慢又不稳定。", "态度很差，没人理我。", "用了一周就坏了。", "真的很糟糕。",
    ],
}


def reviews(seed=0):
    """Return (train_rows, dev_rows): lists of (text, label), shuffled, subjects split 3:1."""
    rng = random.Random(seed)
    train, dev = [], []
    for subjects, opinions in (
        (ENGLISH_SUBJECTS, ENGLISH_OPINIONS),
        (CHINESE_SUBJECTS, CHINESE_OPINIONS),
    ):
        subjects = list(subjects)
        rng.shuffle(subjects)
        dev_count = len(subjects) // 4
        for index, subject in enumerate(subjects):
            rows = dev if index < dev_count else train
            for label, phrases in opinions.items():
                rows.extend((f"{subject}{' ' if subject.isascii() else ''}{phrase}", label)
                            for phrase in phrases)
    rng.shuffle(train)
    rng.shuffle(dev)
    return train, dev


def write_sample_reviews(folder, seed=0):
    """Write `reviews_train.csv` and `reviews_dev.csv` (columns text,label); return their paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, rows in zip(("reviews_train.csv", "reviews_dev.csv"), reviews(seed)):
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["text", "label"])
            writer.writerows(rows)
        paths.append(path)
    return paths


EXAMPLE_SENTENCES = [
    "The staff were friendly and the room was excellent value.",
    "The battery broke after a week, a complete waste of money.",
    "这家店的菜真的很不错，值得推荐。",
    "快递太慢了，让我很失望。",
]

