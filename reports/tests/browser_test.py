#!/usr/bin/python3
"""Browser test of a run's report (issue 8): headless Chromium opens index.html from disk with
the network switched off and we assert that the timeline and the history chart rendered (their
SVG elements exist with a non-zero size and hold drawn shapes), that the page logged nothing
at SEVERE level (script errors, resources that failed to load) and fetched nothing but itself,
and save screenshots of the page top, the first timeline page and the history chart.

Run by ctest (reports/CMakeLists.txt) with Debian's /usr/bin/python3, which sees the Debian
packages python3-selenium and chromium-driver (installed by `make deps`):

    browser_test.py --detcd-sim build/bin/detcd-sim --scenario scenarios/demo.yaml \
        --out build/reports/browser [--seed 1] [--bug NAME] [--expect-violation]

Writes the report into OUT/report, the screenshots into OUT/*.png (their paths are printed),
and exits 0 when every assertion holds, 1 with the failures listed otherwise.
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError as e:  # a clear message instead of a traceback
    sys.exit(f"browser_test: python3-selenium is missing ({e}); run `make deps`")

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def write_report(args, report_dir):
    """Runs `detcd-sim run --report`; returns its output. A failed check (exit 1) still
    writes the report; anything else is a test failure."""
    if report_dir.exists():
        shutil.rmtree(report_dir)
    cmd = [args.detcd_sim, "run", args.scenario, "--seed", str(args.seed),
           "--report", str(report_dir)]
    if args.bug:
        cmd += ["--bug", args.bug]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1) or not (report_dir / "index.html").exists():
        sys.exit(f"browser_test: {' '.join(cmd)} exited {run.returncode}\n"
                 f"{run.stdout}\n{run.stderr}")
    return run.stdout


def start_browser():
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            sys.exit(f"browser_test: {path} is missing; `make deps` installs {package}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", "--hide-scrollbars"):
        options.add_argument(flag)
    # Console messages of the page, read back with get_log("browser").
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def svg_box(driver, element):
    """The rendered size of an element and the number of drawn shapes in it."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.width, r.height,"
        " arguments[0].querySelectorAll('path, polygon, rect, ellipse, text, line').length];",
        element)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detcd-sim", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bug", default="")
    parser.add_argument("--expect-violation", action="store_true",
                        help="the history chart must highlight a linearizability violation")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    report_dir = args.out / "report"
    write_report(args, report_dir)
    index = (report_dir / "index.html").resolve()

    failures = []
    driver = start_browser()
    try:
        # No network: only file:// can load. Anything the page tried to fetch from elsewhere
        # fails and is logged at SEVERE.
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                      upload_throughput=0)
        driver.get(index.as_uri())
        title = driver.title
        if not title.startswith("detcd run:"):
            failures.append(f"unexpected page title {title!r}")

        timelines = driver.find_elements(By.CSS_SELECTOR, "div.timeline > svg")
        charts = driver.find_elements(By.CSS_SELECTOR, "div.history > svg.history-chart")
        if not timelines:
            failures.append("no timeline <svg> in div.timeline")
        if len(charts) != 1:
            failures.append(f"{len(charts)} history charts, expected 1")
        for name, element in [(f"timeline page {i + 1}", t) for i, t in enumerate(timelines)] + \
                [("history chart", c) for c in charts]:
            width, height, shapes = svg_box(driver, element)
            print(f"{name}: {width:.0f} x {height:.0f} px, {shapes} shapes")
            if width <= 0 or height <= 0 or shapes == 0:
                failures.append(f"{name} did not render ({width} x {height} px, {shapes} shapes)")
        # Every lane header of the first timeline page is drawn by dot as a node.
        if timelines and not timelines[0].find_elements(By.CSS_SELECTOR, "g.node"):
            failures.append("the first timeline page has no nodes")
        if charts:
            bars = charts[0].find_elements(By.CSS_SELECTOR, "rect.op")
            print(f"history chart: {len(bars)} operation bars")
            if not bars:
                failures.append("the history chart has no operation bars")
            window = charts[0].find_elements(By.CSS_SELECTOR, ".violation-window")
            prefix = charts[0].find_elements(By.CSS_SELECTOR, ".linearizable-prefix")
            if args.expect_violation and (not window or not prefix):
                failures.append(f"no violation highlighted ({len(window)} window, "
                                f"{len(prefix)} prefix elements)")
            if not args.expect_violation and (window or prefix):
                failures.append("a violation is highlighted in a run without one")

        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);")
        if fetched:
            failures.append(f"the page fetched {fetched}")
        for entry in driver.get_log("browser"):
            print(f"browser log: {entry['level']} {entry['message']}")
            if entry["level"] == "SEVERE":
                failures.append(f"browser logged SEVERE: {entry['message']}")

        # The timeline's scrolling box (its top left part), not the whole tall SVG.
        shots = {"page.png": None,
                 "timeline.png": timelines[0].find_element(By.XPATH, "..") if timelines else None,
                 "history.png": charts[0] if charts else None}
        for file, element in shots.items():
            path = (args.out / file).resolve()
            ok = element.screenshot(str(path)) if element is not None else \
                driver.save_screenshot(str(path))
            if not ok:
                failures.append(f"cannot save the screenshot {path}")
            print(f"screenshot: {path}")
    finally:
        driver.quit()

    for f in failures:
        print(f"FAILED: {f}")
    print(f"report: {index}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
