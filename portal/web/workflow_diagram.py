"""A register's workflow drawn as inline SVG, from the YAML alone (no script, nothing from another host).

States are boxes in a row, in the order they are declared; a transition to a later state is an arrow
above the row, one back to an earlier state an arrow below it, each labelled with its button text.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.registry.workflow_spec import Workflow

BOX_W, BOX_H, GAP, TOP, LANE = 120, 40, 60, 20, 26


def _width(text: str) -> int:
    """Rough pixel width of a label (CJK characters are about twice as wide as Latin ones)."""
    return sum(13 if ord(char) > 0x2E80 else 7 for char in text)


def workflow_svg(workflow: Workflow, locale: str = "zh", current: str | None = None) -> Markup:
    """The diagram; ``current`` (a state value) is drawn highlighted."""
    states = [state.value for state in workflow.states]
    x = {value: 10 + index * (BOX_W + GAP) for index, value in enumerate(states)}
    forward = [item for item in workflow.transitions for source in item.sources
               if states.index(item.target) > states.index(source)]
    backward = [item for item in workflow.transitions for source in item.sources
                if states.index(item.target) < states.index(source)]
    above = LANE * (len(forward) + 1)
    row_y = TOP + above
    height = row_y + BOX_H + LANE * (len(backward) + 1) + 10
    width = 20 + len(states) * (BOX_W + GAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="portal-workflow-diagram" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-size="12">',
             '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for state in workflow.states:
        left = x[state.value]
        fill = "#d9edf7" if state.value == current else "#f5f5f5"
        parts.append(f'<rect x="{left}" y="{row_y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
                     f'stroke="#337ab7" stroke-width="{3 if state.value == current else 1}"/>')
        parts.append(f'<text x="{left + BOX_W / 2}" y="{row_y + BOX_H / 2 + 4}" text-anchor="middle">'
                     f'{escape(state.label.get(locale))}</text>')
    pairs = [(item, source) for item in workflow.transitions for source in item.sources]
    lane_up = lane_down = 0
    for item, source in pairs:
        start, end = x[source] + BOX_W / 2, x[item.target] + BOX_W / 2
        if end > start:
            lane_up += 1
            level, edge = row_y - LANE * lane_up, row_y
        else:
            lane_down += 1
            level, edge = row_y + BOX_H + LANE * lane_down, row_y + BOX_H
        start += 8 if end > start else -8
        label = escape(item.label.get(locale))
        parts.append(f'<path d="M{start},{edge} L{start},{level} L{end},{level} L{end},{edge}" fill="none" '
                     f'stroke="#555" marker-end="url(#wf-arrow)"/>')
        middle = (start + end) / 2
        pad = _width(str(label)) / 2 + 3
        parts.append(f'<rect x="{middle - pad}" y="{level - 9}" width="{pad * 2}" height="16" fill="#fff"/>')
        parts.append(f'<text x="{middle}" y="{level + 4}" text-anchor="middle" fill="#333">'
                     f'<title>{escape(item.name)}</title>{label}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
