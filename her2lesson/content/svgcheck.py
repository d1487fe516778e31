"""What a figure may contain: drawing only. SVG is inserted into the learner's page as markup, so a script, an event
handler or a reference to another host would run there (or break the closed-network promise); `her2lesson check`
refuses such a figure rather than serve it.
"""
from __future__ import annotations

from xml.etree import ElementTree

FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "image", "audio", "video", "animate",
                      "set", "animatemotion", "animatetransform", "handler", "listener"}
LINK_ATTRIBUTES = {"href", "src"}


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def unsafe_parts(svg_text: str) -> list[str]:
    """Each thing in the SVG that could act or fetch, described for the author (empty when the figure is safe)."""
    found: list[str] = []
    root = ElementTree.fromstring(svg_text)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"a <{tag}> element")
        for name, value in element.attrib.items():
            attribute = _local(name)
            text = value.strip().lower()
            if attribute.startswith("on"):
                found.append(f"an event handler {attribute}= on <{tag}>")
            elif attribute in LINK_ATTRIBUTES and not text.startswith("#"):
                found.append(f"a link {attribute}={value!r} on <{tag}> (only #ids inside the figure are allowed)")
            elif "javascript:" in text or "url(http" in text or "url(//" in text or "@import" in text:
                found.append(f"an outside reference in {attribute}= on <{tag}>")
        if tag == "style" and element.text and any(k in element.text.lower()
                                                   for k in ("@import", "url(http", "url(//")):
            found.append("an outside reference in a <style> element")
    return found
