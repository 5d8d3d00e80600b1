"""The weekly chart as server-rendered SVG geometry: no chart library, no script."""

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 120
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 22


@dataclass
class ChartLine:
    key: str
    label: str
    points: str  # the polyline's "x,y x,y ..."
    total: int


@dataclass
class Chart:
    width: int
    height: int
    top: int
    baseline: int
    left: int
    right: int
    y_max: int
    lines: list[ChartLine]
    ticks: list[tuple[float, str]]  # (x, month label) at each week a month starts


def _nice_max(value: int) -> int:
    """The y axis' top: the next 1, 2 or 5 times a power of ten at or above `value`."""
    value = max(value, 1)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def weekly_chart(activity) -> Chart:
    weeks = len(activity.starts)
    y_max = _nice_max(max([*activity.new, *activity.active, 1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(n):
        return LEFT + (plot_w * n / max(weeks - 1, 1))

    def y(v):
        return TOP + plot_h - plot_h * v / y_max

    def points(series):
        return " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in enumerate(series))

    ticks, month = [], None
    for n, start in enumerate(activity.starts):
        if start.month != month:
            month = start.month
            if n:
                ticks.append((round(x(n), 1), start.strftime("%b")))
    return Chart(
        WIDTH,
        HEIGHT,
        TOP,
        TOP + plot_h,
        LEFT,
        WIDTH - RIGHT,
        y_max,
        [
            ChartLine("new", "New customers", points(activity.new), sum(activity.new)),
            ChartLine("active", "Active customers", points(activity.active), 0),
        ],
        ticks,
    )
