"""Charts as inline SVG drawn on the server: no script, no build step, readable on a tablet.

Every label goes through escape(); the markup is then trusted by the template.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from bot import messages as M

PALETTE = ("#1E6B52", "#D9822B", "#3B6EA8", "#A23B72", "#6B8E23", "#8C6D46", "#5A5A8C", "#C0504D")


def bars(items: list[tuple[str, float]], *, title: str, unit: str = M.DASH_UNIT, width: int = 640) -> Markup:
    """Horizontal bars: one per label, value written at the end (people read the number, bars show the shape)."""
    row_h, pad = 40, 12
    # Room for the longest label (20px type, about one em per Japanese character), within reason.
    label_w = min(380, 30 + 20 * max((len(label) for label, _ in items), default=4))
    height = pad * 2 + row_h * max(1, len(items))
    peak = max((v for _, v in items), default=0) or 1
    span = width - label_w - 90
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not items:
        parts.append(f'<text x="{pad}" y="{pad + 24}" font-size="20" fill="#555">{M.DASH_NO_DATA}</text>')
    for i, (label, value) in enumerate(items):
        y = pad + i * row_h
        w = max(2.0, span * value / peak) if value else 0
        parts.append(
            f'<text x="{label_w - 10}" y="{y + 26}" font-size="20" text-anchor="end" fill="#222">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 6}" width="{w:.1f}" height="{row_h - 12}" rx="4" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 8:.1f}" y="{y + 26}" font-size="20" fill="#222">{_num(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string above is escaped


def columns(
    months: list[str], series: list[tuple[str, list[float]]], *, title: str, width: int = 760, height: int = 300
) -> Markup:
    """Stacked columns per month (e.g. taken vs left unclaimed), with a legend."""
    pad_l, pad_b, pad_t = 50, 50, 40
    n = max(1, len(months))
    totals = [sum(s[1][i] for s in series) for i in range(len(months))]
    peak = max(totals, default=0) or 1
    plot_h = height - pad_b - pad_t
    slot = (width - pad_l - 10) / n
    bar_w = min(56.0, slot * 0.7)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 10}" y2="{height - pad_b}" stroke="#888"/>'
    ]
    lx = float(pad_l)
    for k, (name, _) in enumerate(series):
        parts.append(
            f'<rect x="{lx}" y="8" width="18" height="18" fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{lx + 24}" y="24" font-size="18" fill="#222">{escape(name)}</text>'
        )
        lx += 40 + 20 * len(name)
    for i, month in enumerate(months):
        x = pad_l + i * slot + (slot - bar_w) / 2
        y = float(height - pad_b)
        for k, (_, values) in enumerate(series):
            v = values[i]
            h = plot_h * v / peak
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"/>'
                )
        if totals[i]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 6:.1f}" font-size="18" text-anchor="middle" '
                f'fill="#222">{_num(totals[i])}</text>'
            )
        label = M.dash_month(int(month[5:])) if len(month) == 7 else month
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - pad_b + 26}" font-size="18" text-anchor="middle" '
            f'fill="#222">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated string above is escaped


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"
