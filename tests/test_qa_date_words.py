"""Date words are folded the one way questions are (bot.textfold), whoever spelled them in data/."""

from __future__ import annotations

from datetime import date

from bot.knowledge.time_words import DateWord, WindowKind
from bot.qa.date_words import DateWords
from bot.textfold import fold_width_and_case


def test_a_date_word_written_full_width_in_the_data_is_found_in_a_folded_question() -> None:
    words = DateWords([DateWord(window=WindowKind.NEXT_JANUARY, words=["来年１月"]),
                       DateWord(window=WindowKind.WEEK, ahead=1, words=["ＮＥＸＴ　ＷＥＥＫ"])])
    today = date(2025, 12, 20)
    january = words.window(fold_width_and_case("ECMO研修 来年1月にある？"), today)
    assert january is not None and (january.start, january.end) == (date(2026, 1, 1), date(2026, 1, 31))
    week = words.window(fold_width_and_case("Is there an ECMO session next week?"), today)
    assert week is not None and (week.start, week.end) == (date(2025, 12, 22), date(2025, 12, 28))
