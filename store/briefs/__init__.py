"""Briefs: the chronology of a track, a party, a search or a story, as Markdown, CSV or JSON.

`chronology.read_brief` reads what is stored; `render` turns it into text an analyst can
paste into a memo (Markdown), open in a spreadsheet (CSV) or feed to a script (JSON).
"""
