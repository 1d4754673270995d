"""Self-contained HTML pieces: escaping, the page shell, tables and an inline-SVG bar chart.

Every function returns a string and touches no file. Pages carry their CSS and script inline
and load nothing from the network; a Content-Security-Policy allows only the page's own script
(by hash), so markup that slipped into the data could not run even if it escaped escaping.
Text goes through `esc`; a value wrapped in `Html` is markup already built here and is kept.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence


class Html(str):
    """Markup built by this module's callers from escaped parts: `esc` leaves it as it is."""

    __slots__ = ()


def esc(value: object) -> str:
    """Text (or any value) escaped for element content and quoted attributes; None -> ""."""
    if value is None:
        return ""
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=True)


def attrs(values: Mapping[str, object]) -> str:
    """` name="value"` pairs, escaped; None and False values are left out, True is bare."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(parts)


BASE_CSS = """
:root { --fg: #1d2330; --muted: #5b6472; --line: #d9dde4; --bg: #ffffff; --soft: #f5f6f8;
  --accent: #2856b6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
main { padding: 16px 24px 48px; }
h1 { font-size: 1.4rem; margin: 0 0 4px; }
h2 { font-size: 1.15rem; margin: 0; }
h3 { font-size: 0.95rem; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.04em; }
a { color: var(--accent); }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px;
  border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure.chart { margin: 8px 0 16px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
"""

PALETTE = ("#2856b6", "#d9822b", "#2e8b57", "#b23a48", "#7a5195", "#5f7d8e")


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page(title: str, body: str, *, css: str = "", script: str = "") -> str:
    """A complete HTML document: `body` is markup, `css` and `script` are inlined as given.

    The Content-Security-Policy forbids every network load and every inline script but
    `script`; `title` is escaped.
    """
    script_src = script_hash(script) if script else "'none'"
    csp = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f"<style>{BASE_CSS}{css}</style>\n</head>\n<body>\n{body}\n{tail}</body>\n</html>\n"
    )


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    row_attrs: Iterable[Mapping[str, object]] | None = None,
    numeric: Iterable[int] = (),
    empty: str = "none",
    cls: str | None = None,
) -> str:
    """A `<table>`: cells are escaped (unless `Html`); `numeric` column indexes align right.

    `row_attrs` gives each row's attributes (e.g. a class or data-*); an empty table is one
    row saying `empty`.
    """
    right = set(numeric)
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in right else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    extra = iter(row_attrs) if row_attrs is not None else None
    lines = []
    for row in rows:
        row_extra = attrs(next(extra, {})) if extra is not None else ""
        cells = "".join(
            f'<td class="num">{esc(v)}</td>' if i in right else f"<td>{esc(v)}</td>"
            for i, v in enumerate(row)
        )
        lines.append(f"<tr{row_extra}>{cells}</tr>")
    if not lines:
        lines.append(f'<tr><td class="muted" colspan="{len(headers)}">{esc(empty)}</td></tr>')
    body = "\n".join(lines)
    return (
        f"<table{attrs({'class': cls})}>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def bar_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str | None = None,
    max_value: float | None = None,
    value_format: str = "{:.2f}",
    width: int = 640,
) -> str:
    """A horizontal bar chart as inline SVG in a `<figure>`: one row per label, one bar per series.

    `series` maps a series name (e.g. a model) to one value per label (None: no value, shown
    as "n/a"). Bars scale to `max_value` (default: the largest value, at least 1e-9). Several
    series get a legend and a colour each. Labels, names and title are escaped.
    """
    names = list(series)
    for name in names:
        if len(series[name]) != len(labels):
            raise ValueError(
                f"series {name!r} has {len(series[name])} values for {len(labels)} labels"
            )
    values = [v for name in names for v in series[name] if v is not None]
    top = max_value if max_value is not None else max([*values, 1e-9])
    top = top if top > 0 else 1e-9
    bar_h, gap, label_w, value_w = (
        14,
        2,
        min(220, max(60, 7 * max(map(len, labels), default=0))),
        56,
    )
    plot_w = max(80, width - label_w - value_w)
    legend_h = 20 if len(names) > 1 else 0
    group_h = len(names) * (bar_h + gap) + 8
    height = legend_h + group_h * len(labels) + 4
    parts = []
    if legend_h:
        x = label_w
        for i, name in enumerate(names):
            color = PALETTE[i % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{color}"/>')
            parts.append(f'<text x="{x + 14}" y="13">{esc(name)}</text>')
            x += 24 + 7 * len(name)
    for row, label in enumerate(labels):
        y0 = legend_h + row * group_h + 4
        mid = y0 + (len(names) * (bar_h + gap)) / 2 + 4
        parts.append(f'<text x="{label_w - 6}" y="{mid:.1f}" text-anchor="end">{esc(label)}</text>')
        for i, name in enumerate(names):
            value = series[name][row]
            y = y0 + i * (bar_h + gap)
            color = PALETTE[i % len(PALETTE)]
            if value is None:
                shown, w = "n/a", 0.0
            else:
                shown = value_format.format(value)
                w = max(0.0, min(1.0, value / top)) * plot_w
            tip = f"{label} · {name}: {shown}" if len(names) > 1 else f"{label}: {shown}"
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                f"<title>{esc(tip)}</title></rect>"
            )
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{esc(shown)}</text>')
    parts.append(
        f'<line x1="{label_w}" y1="{legend_h}" x2="{label_w}" y2="{height}" stroke="#9aa3af"/>'
    )
    caption = f"<figcaption>{esc(title)}</figcaption>" if title else ""
    aria = esc(title or "bar chart")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{aria}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        + "".join(parts)
        + "</svg>"
    )
    return f'<figure class="chart">{caption}{svg}</figure>'
