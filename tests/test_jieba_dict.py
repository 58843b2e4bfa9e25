"""The in-place reading of jieba's dictionary answers what jieba's own tables answer."""

from __future__ import annotations

import logging
import re

import jieba
import jieba.posseg
import pytest

from govtag.rules.jieba_dict import Token, begins_word, dictionary, pos_cut, word_entry
from tests.paths import SEEDS


@pytest.fixture(scope="module")
def jieba_tables() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt


def test_every_word_and_prefix_has_jiebas_frequency_and_tag(jieba_tables):
    words = dictionary()
    tags = jieba.posseg.dt.word_tag_tab
    assert words.total == jieba_tables.total
    for fragment, frequency in jieba_tables.FREQ.items():
        assert words.begins_word(fragment), fragment
        entry = words.entry(fragment)
        if fragment in tags:
            assert entry == (frequency, tags[fragment]), fragment
        else:  # a prefix of a word, not a word
            assert entry is None and frequency == 0, fragment


@pytest.mark.parametrize("fragment", ["鲁甸县荣", "B", "区委区政府", "x y", "“光明", "\n"])
def test_fragments_jieba_does_not_know_are_absent(jieba_tables, fragment):
    assert fragment not in jieba.posseg.dt.word_tag_tab
    assert word_entry(fragment) is None
    assert begins_word(fragment) == (fragment in jieba_tables.FREQ)


def test_pos_cut_is_jiebas_cut_without_hmm_on_the_seed_reports(jieba_tables):
    clauses = [
        clause
        for path in sorted((SEEDS / "reports").glob("*.txt"))
        for clause in re.split(r"[。；：！？]", path.read_text(encoding="utf-8"))
    ]
    clauses += ["B超检查5G基站", "2020年6月上旬省AT&T领导小组", "C++ 与 c# 课程\r\n第三 小学", "“五个中心”", ""]
    for clause in clauses:
        expected = [Token(pair.word, pair.flag) for pair in jieba.posseg.lcut(clause, HMM=False)]
        assert pos_cut(clause) == expected, clause
