"""Options shown in the admin console."""

MODEL_CHOICES = [
    "gpt-4o",
    "gpt-4o-mini",
    "o3-mini",
]


def is_reasoning(model: str) -> bool:
    return model == "o3-mini"
