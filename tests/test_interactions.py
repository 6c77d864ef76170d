"""The interaction finder through the real extractor and the bundled taxonomy, and the
actions' data: loading, user extensions, problem reports."""

from __future__ import annotations

import datetime

import pytest
from negotiation_watch.store.extract.extractor import extract
from negotiation_watch.store.extract.taxonomy import BUNDLED_DIR, load_taxonomy, load_taxonomy_paths
from taxonomy_fixture import isolated_cache  # noqa: F401  (autouse fixture)

D2025 = datetime.date(2025, 6, 1)


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def said(tax, title: str, text: str = "") -> set[tuple[str, str, tuple[str, ...]]]:
    return {(i.action, i.source, i.targets) for i in extract(tax, title, text, D2025).interactions}


@pytest.mark.parametrize("title, expected", [
    ("Putin meets Erdogan in Sochi", {("meet", "RUS", ("TUR",))}),
    ("Putin and Xi hold talks in Beijing", {("meet", "RUS", ("CHN",))}),
    ("Ukraine rejects Russia's ceasefire proposal", {("reject", "UKR", ("RUS",))}),
    ("China presented a peace plan to Russia and Ukraine", {("propose", "CHN", ("RUS", "UKR"))}),
    ("Armenia and Azerbaijan sign a peace deal", {("agree", "ARM", ("AZE",))}),
    ("The EU called on Russia to withdraw its troops", {("demand", "EU", ("RUS",))}),
    ("North Korea threatened South Korea with retaliation", {("threaten", "PRK", ("KOR",))}),
    ("Qatar mediated between Israel and Hamas", {("mediate", "QAT", ("ISR", "HAMAS"))}),
    ("Iran accuses Israel of sabotage", {("accuse", "IRN", ("ISR",))}),
])
def test_every_action_is_read_with_its_source_and_targets(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title", [
    "Russia and Ukraine did not meet in Istanbul",
    "Putin has never met Zelensky",
    "Zelensky says he may meet Putin later this year",
    "Trump is expected to meet Xi in Seoul",
    "Planned talks between Israel and Hamas were postponed",
    "Talks between Armenia and Azerbaijan were cancelled",
    "Russia did not agree to the European proposal",
    "Kim will not meet Trump unless sanctions are eased",
])
def test_negations_and_hypotheticals_state_nothing(tax, title):
    assert said(tax, title) == set()


@pytest.mark.parametrize("title, expected", [
    ("Hormuz will reopen only when the US accepts Iran's terms", set()),
    ("Kyiv will fight on until Russia accepts a ceasefire with Ukraine", set()),
    ("Aid can move when Sudan's army meets the RSF, mediators say", set()),
    ("When Russia and Ukraine signed the grain deal, the UN called it a beacon", {("agree", "RUS", ("UKR",))}),
    ("The mood changed once Putin met Zelensky", {("meet", "RUS", ("UKR",))}),
    # a condition of several words ends with a word that opens a clause ("as", "that")
    ("Hormuz stays open as long as the US accepts Iran's terms", set()),
    ("Iran will talk provided that the US accepts its terms", set()),
    ("Sanctions end as soon as Russia signs the deal with Ukraine", set()),
    ("Sanctions were lifted as soon as Russia signed the deal with Ukraine", {("agree", "RUS", ("UKR",))}),
    ("As Russia signed the deal with Ukraine, markets rallied", {("agree", "RUS", ("UKR",))}),
])
def test_a_condition_in_the_present_states_nothing_but_one_in_the_past_does(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title, expected", [
    ("Israel and Hamas sign the first phase of the US plan",
     {("agree", "ISR", ("HAMAS",)), ("agree", "ISR", ("USA",)), ("agree", "HAMAS", ("USA",))}),
    ("Armenia and Azerbaijan each signed a transit deal with the United States",
     {("agree", "ARM", ("USA",)), ("agree", "AZE", ("USA",))}),
    ("Finland and Sweden signed defence deals with the United States",
     {("agree", "FIN", ("USA",)), ("agree", "SWE", ("USA",))}),
])
def test_the_subjects_of_a_symmetric_action_pair_up_unless_they_act_apart(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title, expected", [
    ("Tehran accepted the proposed prisoner exchange with Washington", {("agree", "IRN", ("USA",))}),
    ("Moscow rejected the proposed Turkish plan for grain convoys", {("reject", "RUS", ("TUR",))}),
    ("In a call on Monday, Araghchi and his Omani counterpart settled the venue", {("meet", "IRN", ("OMN",))}),
])
def test_a_verb_form_after_an_article_is_an_adjective_or_a_noun(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title, expected", [
    ("Russia met Turkey and then signed a deal with Iran", {("meet", "RUS", ("TUR",)), ("agree", "RUS", ("IRN",))}),
    # the previous target's phrase may come first, and a form that stated nothing
    ("Ukraine rejected the Russian plan but accepted a Turkish proposal",
     {("reject", "UKR", ("RUS",)), ("agree", "UKR", ("TUR",))}),
    ("Russia rejected the US offer, but accepted a Chinese proposal",
     {("reject", "RUS", ("USA",)), ("agree", "RUS", ("CHN",))}),
    # a subject of its own between them: not shared
    ("Russia rejected the US plan and Iran accepted it", {("reject", "RUS", ("USA",))}),
    # the previous verb is not one the data lists: its subject still does both
    ("The European Union summoned Russia's envoy and accused Moscow of hybrid attacks", {("accuse", "EU", ("RUS",))}),
    ("Germany expelled the Russian ambassador and accused Moscow of spying", {("accuse", "DEU", ("RUS",))}),
])
def test_a_verb_after_the_previous_verbs_target_and_a_conjunction_shares_its_subject(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title, expected", [
    ("Poland shoots down Russian drones, asks NATO for Article 4 talks", {("demand", "POL", ("NATO",))}),
    ("Poland Shoots Down Russian Drones, Asks NATO For Talks", {("demand", "POL", ("NATO",))}),
    ("Iran rejects US offer, warns Washington over strikes", {("reject", "IRN", ("USA",)),
                                                               ("threaten", "IRN", ("USA",))}),
    # the speaker, not the reported clause's subject
    ("Zelensky says Russia rejects truce, urges Turkey to press Moscow", {("demand", "UKR", ("TUR",))}),
    # another clause before the comma: its verb is not the opener's
    ("Russia strikes Kyiv as talks stall, urges Turkey to mediate", set()),
])
def test_a_headlines_verb_after_a_comma_has_the_headlines_subject(tax, title, expected):
    assert said(tax, title) == expected


def test_in_body_text_a_comma_before_a_verb_joins_nothing(tax):
    found = extract(tax, "", "Poland shot down the drones, asked NATO for talks.", datetime.date(2025, 9, 10))
    assert found.interactions == []


@pytest.mark.parametrize("title, expected", [
    ("After meeting Zelensky, Trump says Ukraine can win back its land", {("meet", "USA", ("UKR",))}),
    ("A day after meeting President Lee Jae-myung in Gyeongju, Trump backed the plan", {("meet", "USA", ("KOR",))}),
    ("Before meeting Xi next week, Trump says tariffs will stay", set()),
    ("After the meeting, Trump and Xi said little", set()),
    # opening the sentence alone, with only where or when before its comma
    ("Meeting Xi Jinping in Busan on Thursday, Trump said the tariff would drop", {("meet", "USA", ("CHN",))}),
    ("Meeting with Zelensky at the White House, Trump said Ukraine could win", {("meet", "USA", ("UKR",))}),
    ("Meeting Xi was a priority, Trump said", set()),
    ("Meeting Xi next week, Trump will raise tariffs", set()),
])
def test_after_meeting_someone_the_subject_after_the_phrase_met_them(tax, title, expected):
    assert said(tax, title) == expected


@pytest.mark.parametrize("title, expected", [
    ("Hamas tells Egypt and Qatar it accepts their truce proposal", {("agree", "HAMAS", ("EGY", "QAT"))}),
    ("Israel told Hamas it rejects their demands", {("reject", "ISR", ("HAMAS",))}),
    # with nobody addressed, "their" names no party
    ("Hamas accepts their truce proposal, Israel says", set()),
])
def test_their_after_the_form_stands_for_whom_the_speaker_addressed(tax, title, expected):
    assert said(tax, title) == expected


def test_refusing_to_sign_is_no_agreement(tax):
    assert said(tax, "Ukraine refused to sign the deal with Russia") == {("reject", "UKR", ("RUS",))}


def test_the_passive_reads_the_agent_after_by(tax):
    assert said(tax, "The Israeli proposal was rejected by Hamas") == {("reject", "HAMAS", ("ISR",))}
    assert said(tax, "Pakistan was accused by India of sheltering militants") == {("accuse", "IND", ("PAK",))}
    # "by" without the passive: the target is whoever made the thing rejected
    assert said(tax, "Ukraine rejected the proposal made by Russia") == {("reject", "UKR", ("RUS",))}


def test_reported_speech_keeps_the_speaker(tax):
    assert said(tax, "The Kremlin said it had rejected Kyiv's offer") == {("reject", "RUS", ("UKR",))}
    assert said(tax, "Ukraine rejected the Russian demands, the foreign ministry said") == {
        ("reject", "UKR", ("RUS",))}
    # a reporter of someone else's act is no party to it
    assert said(tax, "Zelensky said Russia had met Turkish officials") == {("meet", "RUS", ("TUR",))}


def test_an_ing_clause_after_a_comma_has_the_main_clauses_subject(tax):
    assert said(tax, "Moscow dismissed the report, accusing London of spreading lies") == {
        ("accuse", "RUS", ("GBR",))}
    assert said(tax, "The depot burned all night, Russia said, blaming Ukraine for the strike") == {
        ("accuse", "RUS", ("UKR",))}
    # without the comma the clause is someone else's: nobody here is a party
    assert said(tax, "Officials were blaming the weather, not Russia, for the delay") == set()


@pytest.mark.parametrize("text, expected", [
    # its clause's subject is the one who acts, not the object of the verb before it ...
    ("Zelensky met Trump at the White House, accusing Russia of stalling",
     {("meet", "UKR", ("USA",)), ("accuse", "UKR", ("RUS",))}),
    # ... nor the subject of what a speaker reports, quotes closed or not
    ('Lavrov told Fidan that Moscow was "ready to keep talking," blaming Kyiv for the stalemate',
     {("accuse", "RUS", ("UKR",))}),
    # opening the sentence (after a dateline), it has the subject after its phrase
    ("Blaming Hamas for the delay, Israel postponed the next round in Cairo", {("accuse", "ISR", ("HAMAS",))}),
    ("CAIRO, June 3 (Demo) - Denouncing the strikes by Israel, Egypt's foreign minister called for a halt",
     {("accuse", "EGY", ("ISR",))}),
    ("Condemning the blockade, the Qatari foreign ministry said aid must reach Gaza soon", set()),
    # "of" and a gerund: the party after it is the gerund's object, not the accused
    ("Moscow said Kyiv had broken the truce, accusing the West of arming Ukraine", set()),
    ("Keir Starmer hosted the Coalition of the Willing with Volodymyr Zelensky at the table",
     {("meet", "GBR", ("UKR",))}),
])
def test_an_ing_clause_reads_its_subject_from_the_sentence_around_it(tax, text, expected):
    assert said(tax, "Report", text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Putin and Erdogan discussed grain exports in a phone call", {("meet", "RUS", ("TUR",))}),
    ("Wang Yi and Lavrov, during a meeting in Beijing, compared notes", {("meet", "CHN", ("RUS",))}),
    ("In a phone call on Sunday, Araghchi and his Omani counterpart settled the venue", {("meet", "IRN", ("OMN",))}),
    # planned, denied or not about the sentence's subjects: no meeting
    ("Russia and Ukraine in talks next month could agree a prisoner swap", set()),
    ("Hamas and Israel did not speak directly during the Cairo talks", set()),
    ("Russia and Ukraine in a statement rejected the plan", set()),
    ("Russia said Ukraine and Turkey discussed grain in a phone call", set()),
])
def test_the_sides_opening_a_sentence_met_where_a_noun_of_meeting_is_its_setting(tax, text, expected):
    assert said(tax, "Report", text) == expected


def test_officials_the_data_does_not_know_join_their_parties_by_name_in_the_text(tax):
    text = "Malaysian Foreign Minister Mohamad Hasan and Thai Foreign Minister Maris Sangiampongsa signed a memorandum"
    assert said(tax, "Report", text) == {("agree", "MYS", ("THA",))}
    # a headline capitalises every word by custom: there they name nobody
    headline = said(tax, "Qatar Urges Calm And Israel Rejects Hamas Plan")
    assert ("reject", "ISR", ("HAMAS",)) in headline and ("reject", "QAT", ("HAMAS",)) not in headline


def test_a_phone_call_is_a_meeting(tax):
    assert said(tax, "Erdogan and Putin spoke in a phone call on Tuesday") == {("meet", "TUR", ("RUS",))}
    assert said(tax, "Macron spoke on the phone with Zelensky") == {("meet", "FRA", ("UKR",))}


def test_mediators_and_their_two_sides(tax):
    assert said(tax, "An Egyptian-brokered truce between Israel and Hamas took effect") >= {
        ("mediate", "EGY", ("ISR", "HAMAS"))}
    assert said(tax, "A ceasefire between India and Pakistan was brokered by the United States") == {
        ("mediate", "USA", ("IND", "PAK"))}
    assert said(tax, "Turkey hosted talks between Russia and Ukraine") == {("mediate", "TUR", ("RUS", "UKR"))}


def test_several_pairs_in_one_sentence(tax):
    assert said(tax, "Russia, Turkey and Iran met in Astana") == {
        ("meet", "RUS", ("TUR", "IRN")), ("meet", "TUR", ("IRN",))}
    assert said(tax, "Putin met Xi while Zelensky met Macron") == {
        ("meet", "RUS", ("CHN",)), ("meet", "UKR", ("FRA",))}
    assert said(tax, "Israel and Hamas accused each other of breaking the truce") == {
        ("accuse", "ISR", ("HAMAS",)), ("accuse", "HAMAS", ("ISR",))}


def test_a_relative_clause_keeps_its_antecedent_as_source(tax):
    assert said(tax, "Qatar, which has mediated between Israel and Hamas since 2023, said the talks stalled") == {
        ("mediate", "QAT", ("ISR", "HAMAS"))}
    assert ("accuse", "EU", ("HUN",)) in said(
        tax, "Orban met Putin, drawing criticism from EU leaders who accused Budapest of undermining the bloc")


def test_titles_count_as_their_party(tax):
    assert said(tax, "The Russian foreign minister met his Turkish counterpart in Ankara") == {
        ("meet", "RUS", ("TUR",))}


@pytest.mark.parametrize("title", [
    "Russian and Ukrainian athletes met in the final in Paris",
    "Turkey met Ukraine's demand for more grain ships",
    "Russia rejected claims that Ukraine had met Turkish officials",
    "Germany warned that relations with China would suffer",
    "Russia offered condolences to Turkey after the earthquake",
    "China and India signed up to the climate pledge",
    "China proposes a peace plan for Ukraine",
])
def test_traps_a_verb_near_two_parties_that_do_not_interact(tax, title):
    assert said(tax, title) == set()


def test_a_venue_is_no_target(tax):
    assert said(tax, "Russia and Ukraine met in Turkey") == {("meet", "RUS", ("UKR",))}
    assert said(tax, "The US envoy to Ukraine met Russian officials") == {("meet", "USA", ("RUS",))}


def test_evidence_is_the_sentence_and_the_signal_word(tax):
    text = "Diplomats gathered on Monday. Qatar mediated between Israel and Hamas. Nothing else moved."
    [found] = extract(tax, "A quiet day", text, D2025).interactions
    assert found.field == "text" and text[found.start:found.end] == found.text
    assert found.text == "Qatar mediated between Israel and Hamas."
    assert text[found.signal_start:found.signal_end] == "mediated"


def test_sentences_do_not_split_at_abbreviations(tax):
    text = "The U.S. envoy met Russian officials. Mr. Lavrov later met Chinese diplomats."
    found = extract(tax, "Envoys", text, D2025).interactions
    assert [(i.source, i.targets) for i in found] == [("USA", ("RUS",)), ("RUS", ("CHN",))]
    assert found[0].text == "The U.S. envoy met Russian officials."


def test_the_track_is_the_sentences_or_the_articles_only_one_when_its_members_act(tax):
    title = "Zelensky rejects Putin's offer"
    text = "The Kremlin's offer came as the Istanbul talks stalled."
    [found] = extract(tax, title, text, D2025).interactions
    assert found.track == "russia-ukraine-talks"  # the article's one track, of which both are members
    [other] = extract(tax, "Ukraine rejects the Iranian plan", "The JCPOA talks resumed.", D2025).interactions
    assert other.track is None  # Ukraine is no member of the Iran talks


# ---------------------------------------------------------------------------- the data


def test_bundled_actions_and_cues_load_without_problems(tax):
    assert set(tax.actions) == {"meet", "propose", "agree", "reject", "demand", "threaten", "mediate", "accuse"}
    assert tax.actions["meet"].symmetric and tax.actions["agree"].symmetric
    assert tax.actions["mediate"].between
    assert {"negation", "hypothetical", "report", "clause"} <= set(tax.cues)
    assert not [p for p in tax.problems if "actions.toml" in p]


def test_a_user_file_extends_an_action_and_adds_one(tmp_path):
    user = tmp_path / "taxonomy.d"
    user.mkdir()
    (user / "mine.toml").write_text(
        '[[action]]\nid = "meet"\nverbs = ["broke bread with"]\n\n'
        '[[action]]\nid = "sanction"\nname = "sanction"\nverbs = ["sanctioned"]\n\n'
        '[[cue]]\nkind = "hypothetical"\nwords = ["purportedly"]\n\n'
        '[[cue]]\nkind = "hypothetical"\nwords = ["as though"]\n\n'
        '[[cue]]\nkind = "condition"\nwords = ["in the event"]\n',
        encoding="utf-8")
    tax = load_taxonomy_paths(BUNDLED_DIR, user)
    assert "met" in tax.actions["meet"].verbs and "broke bread with" in tax.actions["meet"].verbs
    assert said(tax, "Putin broke bread with Erdogan") == {("meet", "RUS", ("TUR",))}
    assert said(tax, "The EU sanctioned Russia") == {("sanction", "EU", ("RUS",))}
    assert said(load_taxonomy_paths(BUNDLED_DIR), "Putin purportedly met Erdogan") == {("meet", "RUS", ("TUR",))}
    assert said(tax, "Putin purportedly met Erdogan") == set()
    # a condition of several words is read as the one-word ones are
    sanctions = "Sanctions stay in the event Russia rejects the talks with Ukraine"
    assert said(load_taxonomy_paths(BUNDLED_DIR), sanctions) == {("reject", "RUS", ("UKR",))}
    assert said(tax, sanctions) == set()
    # and one that ends with a word opening a clause ("as") is read from there
    pretence = "Kyiv acts as though Russia accepted the ceasefire with Ukraine"
    assert said(load_taxonomy_paths(BUNDLED_DIR), pretence) == {("agree", "RUS", ("UKR",))}
    assert said(tax, pretence) == set()
    assert tax.version != load_taxonomy_paths(BUNDLED_DIR).version


def test_bad_action_entries_are_reported_with_file_line_and_reason(tmp_path):
    user = tmp_path / "bad.toml"
    user.write_text(
        "# my actions\n"
        '[[action]]\nid = "Meet Up"\nverbs = ["met up with"]\n'  # line 2: not a lower-case word
        '[[action]]\nid = "hug"\nverbs = "hugged"\n'  # line 5: not a list
        '[[action]]\nid = "wave"\n'  # line 8: no verbs
        '[[cue]]\nkind = "maybe"\nwords = ["perhaps"]\n'  # line 10: unknown kind
        '[[action]]\nid = "snub"\nverbs = ["snubbed"]\ncolour = "red"\n',  # line 13: unknown field
        encoding="utf-8")
    tax = load_taxonomy_paths(BUNDLED_DIR, user)
    problems = [p for p in tax.problems if p.startswith(str(user))]
    assert sorted(problems, key=lambda p: int(p.split(":")[1])) == [
        f"{user}:2: action 'Meet Up': id must be a lower-case word (letters, digits, '-')",
        f"{user}:5: action 'hug': 'verbs' must be a list of non-empty strings",
        f"{user}:8: action 'wave': missing field 'verbs'",
        f"{user}:10: cue entry: kind must be one of negation, hypothetical, condition, planned, report, clause, pronoun, "
        "cancel, hearsay, bystander",
        f"{user}:13: action 'snub': unknown field 'colour'",
    ]
    assert "meet" in tax.actions and "hug" not in tax.actions


def test_each_other_needs_no_party_after_the_verb(tax):
    # a one-sided verb with nothing after it is skipped early, but not before "each other"
    assert said(tax, "Russia and Ukraine accused each other of shelling the plant") == {
        ("accuse", "RUS", ("UKR",)), ("accuse", "UKR", ("RUS",))}


def test_sentences_end_at_full_stops_and_line_breaks_but_not_initials(tax):
    assert said(tax, "The U.S. rejected the Iranian offer") == {("reject", "USA", ("IRN",))}
    assert said(tax, "Russia accused. Ukraine of nothing") == set()
    found = extract(tax, "Turkey hosted Russia.\nUkraine met Poland on Monday", "", D2025).interactions
    assert [(i.source, i.targets, i.start, i.end) for i in found] == [
        ("TUR", ("RUS",), 0, 21), ("UKR", ("POL",), 22, 50)]
