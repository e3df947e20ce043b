"""Timings of tgm.Dashboard on the default town, as a lecturer meets them: one step (the
engine's week plus redrawing the picture), a control change (rebuild the town and re-run
it to the week shown) at week 0, 52 and 260, with 1 and 4 replicates, and how many weeks
per second "play" reaches. The widgets are built without a browser (ipywidgets 6 makes
them without a kernel); the PNG the browser would get is rendered every time.

Usage: PYTHONPATH=build/release/python python3 bench/dashboard_timing.py [--replicates 1 4]
A benchmark, not a test: it prints and asserts nothing.
"""

import argparse
import statistics
import time

import tegenmacht as tgm


def _time(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--play-seconds", type=float, default=4.0)
    args = ap.parse_args()
    print(f"{'replicates':>10} {'what':<38} {'median (s)':>10} {'min (s)':>8}")
    for r in args.replicates:
        dash = tgm.Dashboard(args.scenario, replicates=r)
        t0 = time.perf_counter()
        dash.widget                                        # builds the widgets and the first picture
        print(f"{r:>10} {'build the widgets + first picture':<38} {time.perf_counter() - t0:>10.3f}")
        ui = dash._ui
        step = ui["buttons"]["step"]

        def click_step():
            step._click_handlers(step)

        rows = [("step without picture (engine only)", lambda: dash.simulations[0].step(1) if r == 1
                 else dash._each(lambda s: s.step(1))),
                ("one step, as the step button", click_step),
                ("picture only (update + PNG)", lambda: dash._refresh())]
        for what, fn in rows:
            med, best = _time(fn)
            print(f"{r:>10} {what:<38} {med:>10.3f} {best:>8.3f}")
        slider = ui["controls"]["institutions.0.responsiveness"]
        values = iter([0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39, 0.40] * 3)
        for week in (0, 52, dash.steps):
            dash.reset()
            dash.step(week)

            def change():
                slider.value = next(values)                # setup + re-run to the week + picture

            med, best = _time(change, repeat=3)
            print(f"{r:>10} {f'control change at week {week}':<38} {med:>10.3f} {best:>8.3f}")
        dash.reset()
        t0 = time.perf_counter()
        dash.play()
        time.sleep(args.play_seconds)
        dash.pause()
        dt = time.perf_counter() - t0
        print(f"{r:>10} {f'play (redraw every {dash.redraw_every} weeks)':<38} "
              f"{dash.week / dt:>10.1f} weeks/s")


if __name__ == "__main__":
    main()
