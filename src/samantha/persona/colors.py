"""Accent colours a persona may ask for: hex codes or CSS colour names, checked at load time.

The TUI turns the colour into a theme variable; checking here means a typo is reported with
the file and line instead of surfacing later as a styling error in the chat screen.
"""

from __future__ import annotations

import difflib
import re

from samantha.persona.macros import one_line

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")

#: The CSS named colours (CSS Color Module Level 4), which the TUI also understands.
_CSS_NAMES = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen
"""
NAMED_COLORS = frozenset(_CSS_NAMES.split())


def normalise_color(value: str) -> str:
    """A hex code as written, or a colour name in lower case; raise ValueError with a fix."""
    text = value.strip()
    if _HEX.fullmatch(text):
        return text
    name = text.lower().replace(" ", "").replace("_", "").replace("-", "")
    if name in NAMED_COLORS:
        return name
    near = difflib.get_close_matches(name, sorted(NAMED_COLORS), n=1)
    if text.startswith("#"):
        hint = "a hex code has 3, 4, 6 or 8 hex digits after #, like #e8705f"
    elif near:
        hint = f"did you mean '{near[0]}'? (or use a hex code like #e8705f)"
    else:
        hint = "use a hex code like #e8705f or a CSS colour name like 'teal'"
    raise ValueError(f"'{one_line(text, 30)}' is not a colour: {hint}")
