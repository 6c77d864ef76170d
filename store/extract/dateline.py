"""An opening dateline: where a report was filed, not what it reports.

"TEHRAN, Aug. 13 (MNA) -", "MOSCOW (Reuters) -", "GENEVA, Switzerland (AP) -". The
extractor reads no party in its places; the stories' judgement reads none of its words,
which an outlet repeats on every item whatever the event.
"""

from __future__ import annotations

import re

# Its places are group "places". Its words are possessive (*+): what follows a word never
# begins with a word's character, and giving them back one by one made the match on a
# plain headline cost a microsecond.
DATELINE = re.compile(
    r"\s*(?P<places>[A-Z][\w.'-]*+(?:\s+[A-Z][\w.'-]*+)?(?:,\s*[A-Z][\w.'-]*+(?:\s+[A-Z][\w.'-]*+)?)?)"
    r"(?:(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+\d{4})?\s*(?:\([^)]{1,40}\))?)|\s*\([^)]{1,40}\))"
    r"\s*[-\u2013\u2014:]"
)
