"""A one-line labelled bar: 0..1 filling from the left, or -1..1 filling from the middle."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

LABEL_WIDTH = 10
VALUE_WIDTH = 6


def bar(value: float, width: int, *, signed: bool = False) -> tuple[str, str, str]:
    """The bar as (before, filled, after) runs of characters, ``width`` cells in all."""
    width = max(1, width)
    if not signed:
        filled = round(max(0.0, min(1.0, value)) * width)
        return "", "█" * filled, "─" * (width - filled)
    # The middle cell is zero; the fill grows from it toward the sign.
    middle = width // 2
    span = round(abs(max(-1.0, min(1.0, value))) * (width - middle - 1 if value > 0 else middle))
    if value >= 0:
        return "─" * middle + "│", "█" * span, "─" * (width - middle - 1 - span)
    return "─" * (middle - span), "█" * span, "│" + "─" * (width - middle - 1)


class Meter(Widget):
    """``label  ───│████───  +0.32``: the value as a number too, so the bar is never the only cue."""

    COMPONENT_CLASSES = {"meter--fill"}
    DEFAULT_CSS = """
    Meter {
        height: 1;
        width: 1fr;
        color: $text-muted;
        & > .meter--fill { color: $accent; }
        &.-warning > .meter--fill { color: $warning; }
    }
    """

    value: reactive[float | None] = reactive(None)

    def __init__(
        self,
        label: str,
        *,
        signed: bool = False,
        percent: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.signed = signed
        self.percent = percent

    def render(self) -> Content:
        label = self.label[: LABEL_WIDTH - 1].ljust(LABEL_WIDTH)
        if self.value is None:
            return Content(label + "–")
        width = self.size.width - LABEL_WIDTH - VALUE_WIDTH
        before, filled, after = bar(self.value, width, signed=self.signed)
        if self.percent:
            number = f"{self.value:.0%}"
        else:
            number = f"{self.value:+.2f}" if self.signed else f"{self.value:.2f}"
        return Content.assemble(
            label,
            before,
            (filled, self.get_visual_style("meter--fill", partial=True)),
            after,
            (number.rjust(VALUE_WIDTH), "$text"),
        )
