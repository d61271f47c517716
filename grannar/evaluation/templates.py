"""Ready survey templates for the four levels evaluators use: reaction after a session,
self-assessed competence before and after (per sub-goal), use in practice some months later,
and the managers' view of change in their unit. Wording in Swedish and English.

Before, after and follow-up ask the same competence questions under the same codes and belong
to one series by default, so that one person's three answers pair up under their pseudonym."""

# The moments a series links, in order, and the series the templates put them in.
MOMENTS = ("before", "after", "followup")
DEFAULT_SERIES = "kompetens"

AGREE = {
    "low": {"sv": "Instämmer inte alls", "en": "Strongly disagree"},
    "high": {"sv": "Instämmer helt", "en": "Strongly agree"},
}
LEVEL = {
    "low": {"sv": "Mycket låg", "en": "Very low"},
    "high": {"sv": "Mycket hög", "en": "Very high"},
}
NO_CHILD_DATA = {
    "sv": "Skriv inga uppgifter som kan identifiera barn eller unga.",
    "en": "Do not write anything that could identify a child or young person.",
}


def _likert(code, sv, en, labels=AGREE, **extra):
    return {"code": code, "kind": "likert", "sv": sv, "en": en, "scale": labels, **extra}


def _text(code, sv, en):
    return {"code": code, "kind": "text", "sv": sv, "en": en}


def _choices(*pairs):
    return [{"value": value, "sv": sv, "en": en} for value, sv, en in pairs]


def _competence(subgoals) -> list[dict]:
    return [
        _likert(
            f"competence-{goal.number}",
            f"Hur bedömer du din kompetens inom: {goal.title}?",
            f"How do you rate your competence in: {goal.title}?",
            LEVEL,
            subgoal=goal.number,
        )
        for goal in subgoals
    ]


def _competence_section(subgoals) -> dict:
    """The questions before, after and follow-up share: one scale per sub-goal and support."""
    return {
        "sv": "Din kompetens",
        "en": "Your competence",
        "questions": [
            *_competence(subgoals),
            _likert(
                "support",
                "Jag vet var jag kan få stöd i svåra ärenden.",
                "I know where to get support in difficult cases.",
            ),
        ],
    }


def template_sections(template: str, subgoals) -> tuple[dict, list[dict]]:
    """The survey's fields and its sections with questions, for `template`."""
    if template == "reaction":
        return (
            {"title": "Utvärdering av tillfället", "title_en": "Evaluation of the session"},
            [
                {
                    "sv": "Om tillfället",
                    "en": "About the session",
                    "questions": [
                        _likert(
                            "relevant",
                            "Innehållet var relevant för mitt arbete.",
                            "The content was relevant to my work.",
                        ),
                        _likert("clear", "Kursledaren var tydlig.", "The trainer was clear."),
                        _likert(
                            "use",
                            "Jag kommer att kunna använda det jag lärt mig.",
                            "I will be able to use what I learned.",
                        ),
                        {
                            "code": "format",
                            "kind": "single",
                            "sv": "Hur passade formen dig?",
                            "en": "How did the format suit you?",
                            "choices": _choices(
                                ("good", "Bra", "Well"),
                                ("ok", "Godtagbart", "Acceptably"),
                                ("poor", "Dåligt", "Poorly"),
                            ),
                        },
                        _text("better", "Vad kan bli bättre?", "What could be better?"),
                    ],
                }
            ],
        )
    if template in ("before", "after"):
        after = template == "after"
        section = _competence_section(subgoals)
        if after:
            section["questions"].append(
                _text(
                    "learned",
                    "Vad är det viktigaste du har lärt dig?",
                    "What is the most important thing you learned?",
                )
            )
        return (
            {
                "title": f"Kompetens {'efter' if after else 'före'} utbildningen",
                "title_en": f"Competence {'after' if after else 'before'} the training",
                "series": DEFAULT_SERIES,
            },
            [section],
        )
    if template == "followup":
        return (
            {
                "title": "Användning i praktiken",
                "title_en": "Use in practice",
                "series": DEFAULT_SERIES,
            },
            [
                _competence_section(subgoals),
                {
                    "sv": "Efter utbildningen",
                    "en": "Since the training",
                    "questions": [
                        _likert(
                            "applied",
                            "Jag har använt kunskaperna i mitt dagliga arbete.",
                            "I have used the knowledge in my daily work.",
                        ),
                        {
                            "code": "changes",
                            "kind": "multiple",
                            "sv": "Vad har du ändrat i ditt arbete?",
                            "en": "What have you changed in your work?",
                            "choices": _choices(
                                ("approach", "Mitt bemötande", "How I meet the young people"),
                                ("routines", "Rutiner", "Routines"),
                                ("cooperation", "Samverkan", "Cooperation"),
                                ("nothing", "Inget ännu", "Nothing yet"),
                            ),
                        },
                        {
                            "code": "shared",
                            "kind": "number",
                            "sv": "Med hur många kollegor har du delat det du lärt dig?",
                            "en": "With how many colleagues have you shared what you learned?",
                        },
                        _text("example", "Ge gärna ett exempel.", "Please give an example."),
                    ],
                },
            ],
        )
    if template == "organisation":
        return (
            {"title": "Förändring i verksamheten", "title_en": "Change in the unit"},
            [
                {
                    "sv": "Din enhet",
                    "en": "Your unit",
                    "questions": [
                        _likert(
                            "practice",
                            "Enhetens arbetssätt med ensamkommande unga har förbättrats.",
                            "The unit's way of working with unaccompanied young people "
                            "has improved.",
                        ),
                        _likert(
                            "cooperation",
                            "Samverkan med skola, socialtjänst och boende har förbättrats.",
                            "Cooperation with school, social services and housing has improved.",
                        ),
                        _likert(
                            "competence",
                            "Personalens samlade kompetens har ökat.",
                            "The staff's combined competence has increased.",
                        ),
                        {
                            "code": "routines",
                            "kind": "single",
                            "sv": "Har enheten tagit fram nya rutiner?",
                            "en": "Has the unit drawn up new routines?",
                            "choices": _choices(
                                ("yes", "Ja", "Yes"),
                                ("ongoing", "Pågår", "In progress"),
                                ("no", "Nej", "No"),
                            ),
                        },
                        _text("change", "Beskriv förändringen.", "Describe the change."),
                    ],
                }
            ],
        )
    raise ValueError(f"Unknown template {template!r}.")


TEMPLATES = ("reaction", "before", "after", "followup", "organisation")
