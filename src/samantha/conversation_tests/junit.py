"""JUnit XML for CI systems: a testsuite per script, a testcase per step.

Replies can hold anything a model writes, including characters XML 1.0 forbids; those are
dropped so the file always parses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from samantha.conversation_tests.results import ScriptResult, StepResult

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _name(path: Path) -> str:
    return path.name.removesuffix(".convo.yaml").removesuffix(".yaml")


def to_xml(results: Sequence[ScriptResult]) -> Element:
    root = Element("testsuites", name="samantha conversation scripts")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in results:
        suite = _suite(result)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(r.seconds for r in results):.3f}")
    return root


def _suite(result: ScriptResult) -> Element:
    suite = Element("testsuite", name=clean(str(result.path)))
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    classname = f"conversations.{_name(result.path)}"
    if result.error is not None:
        case = SubElement(
            suite, "testcase", classname=classname, name="script", file=str(result.path)
        )
        SubElement(
            case,
            "error",
            message=clean(result.error),
            type="ScriptError" if result.malformed else "SamanthaError",
        )
        counts["tests"] += 1
        counts["errors"] += 1
    for step in result.steps:
        counts["tests"] += 1
        kind = _case(suite, classname, result, step)
        if kind:
            counts[kind] += 1
    for number in range(
        len(result.steps) + 1, result.total_steps + 1 if result.error is None else 0
    ):
        case = SubElement(
            suite, "testcase", classname=classname, name=f"step {number}", file=str(result.path)
        )
        SubElement(case, "skipped", message="not run: an earlier step stopped with an error")
        counts["tests"] += 1
        counts["skipped"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{result.seconds:.3f}")
    return suite


def _case(suite: Element, classname: str, result: ScriptResult, step: StepResult) -> str | None:
    case = SubElement(
        suite,
        "testcase",
        classname=classname,
        name=clean(f"step {step.number}: {step.label}"),
        file=str(result.path),
        line=str(step.line),
        time=f"{step.seconds:.3f}",
    )
    status, kind = step.status, None
    sentences = [s for s in result.failure_sentences() if s.startswith(result.where(step) + ":")]
    if status == "error":
        SubElement(case, "error", message=clean(step.error or ""), type="SamanthaError")
        kind = "errors"
    elif status in {"failed", "xpassed"}:
        failure = SubElement(case, "failure", message=clean(sentences[0]), type="expectation")
        failure.text = clean("\n".join(sentences))
        kind = "failures"
    elif status == "xfailed":
        SubElement(case, "skipped", message=clean(f"xfail: {step.xfail}"))
        kind = "skipped"
    elif step.skipped and not any(o.passed for o in step.outcomes):
        SubElement(case, "skipped", message=clean(step.skipped[0].observed))
        kind = "skipped"
    if step.reply is not None:
        out = SubElement(case, "system-out")
        out.text = clean(f"her reply: {step.reply}")
    return kind


def write_junit(results: Sequence[ScriptResult], path: Path) -> None:
    tree = ElementTree(to_xml(results))
    indent(tree)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
