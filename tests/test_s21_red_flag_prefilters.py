"""The red-flag prefilters of omission.v1 (session 21): each flag's strings read alternative by
alternative, and its pattern without opening word boundaries, rule out or place no match but
where the flag's own pattern finds none or finds it."""

from __future__ import annotations

import pytest

from medfact.verifiers import omission

TEXTS = [
    "She had a seizure at home and was convulsing for two minutes.",
    "GCS dropped to 9 overnight. There was a fall in his GCS.",
    "It was like a curtain came down over my left eye; my vision went black.",
    "I get a tightness in my chest when I walk up the stairs, worse on exertion.",
    "He had chemo ten days ago. She is day 9 of cycle 2, D7 post C3.",
    "He said he wants to kill himself. Any SI? Suicidal thoughts, si.",
    "Worst headache of my life, it came on within seconds, like being hit with a hammer.",
    "Maximum intensity within a minute. Peak at onset. Sudden, severe pain in the head.",
    "The baby hasn't been moving as much, reduced fetal movements since yesterday.",
    "No wet nappies today and she hasn't passed urine since the morning.",
    "Dr: Any vomiting? Pt: green vomit, bilious vomiting, and coffee ground vomit.",
    "Her lips went blue, cyanosed, throat is closing and she is drooling.",
    "Pain in the jaw when I chew. Jaw claudication. Stiff neck, can't bend it.",
    "The foot is cold and mottled, pulse not palpable. Postural drop on standing.",
    "New confusion since Tuesday; delirium. A non-blanching rash that did not fade.",
    "Chest x-ray: free air under the diaphragm, pneumoperitoneum.",
    "visit side sinus emesis this within before post-op the thunder clap",
    "Doctor: How are you today? Patient: Fine, thank you, just a cough.",
    "DIPLOPIA, DOUBLE VISION, SEEING DOUBLE, vision went double",
    "saddle anaesthesia, numbness in the groin, perianal numbness, cauda equina",
    "Hearing voices telling him to hurt people; homicidal thoughts of harming others",
    "She has been saving her tablets in case, hoarding her pills; stockpiling",
    "Mass suspicious for malignancy; lesion suspicious for carcinoma.",
    "Flashing lights, zig-zag lines, scintillating scotoma; rebound tenderness, guarding",
    "Sudden testicular pain since this morning, testicular torsion.",
    "Facial droop, slurred speech; she passed out, loss of consciousness, coughing up blood.",
    "He wrote letters to his children and has given away his dog; melaena, black tarry stools.",
    "Skin peeling off, oral ulceration; papilloedema; unequal pupils; loss of vision.",
    "Both legs giving way, legs feel like jelly; haematemesis; hemoptysis.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_flag_prefilters_answer_as_each_flag_pattern(text: str) -> None:
    seen: dict[str, bool] = {}  # shared by the flags, as _red_flags shares it
    for flag, fast, needs, opener in zip(
        omission.RED_FLAGS,
        omission._FAST_FLAGS,
        omission._FLAG_NEEDS,
        omission._FLAG_OPENERS,
        strict=True,
    ):
        own = flag.found.search(text)
        low = omission.lower_ascii(text)
        strings = fast.shortcuts()[0]
        start = 0 if low is None else omission._flag_from(low, strings, needs, opener, seen)
        if start is None:
            assert own is None, flag.name
            continue
        found = fast.search(text, start)
        assert (found and found.span()) == (own and own.span()), flag.name


def test_prefilters_cover_the_slow_flags() -> None:
    by_name = {
        flag.name: (needs, opener)
        for flag, needs, opener in zip(
            omission.RED_FLAGS, omission._FLAG_NEEDS, omission._FLAG_OPENERS, strict=True
        )
    }
    assert by_name["falling GCS"][0] is not None
    assert by_name["sudden-onset headache"][0] is not None
    assert by_name["suicidal ideation"][1] is not None  # opened without its "\\b"
