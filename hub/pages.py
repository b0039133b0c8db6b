"""The hub in a browser: Debian's headless Chromium (Playwright) logs in as each role and opens the formgrader.

The instructor and the grader see the formgrader's assignment table; a student is refused it (403), and is
refused another student's server; a student's own JupyterLab has no instructor menus. Every page is saved as a
screenshot in test-artifacts/hub/.
"""
from __future__ import annotations

import re
import time

from .site import COURSE, Site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PAGE_SECONDS = 90
SETTLE_SECONDS = 3
FORMGRADER = f"/services/{COURSE}/formgrader"


def _login(page, site: Site, user, next_url):
    page.goto(f"{site.url}/hub/login?next={next_url}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", site.password)
    with page.expect_navigation():
        page.click("#login_submit")


def _visit(context, site: Site, user, path, wait_for, shot):
    """Log in as user, open path; returns what the page showed (status, title, text) and saves a screenshot."""
    page = context.new_page()
    statuses = []
    page.on("response", lambda r: statuses.append((r.url, r.status)) if r.request.is_navigation_request() else None)
    _login(page, site, user, path)
    try:
        page.wait_for_selector(wait_for, timeout=PAGE_SECONDS * 1000)
        found = True
    except Exception:
        found = False
    time.sleep(SETTLE_SECONDS)
    page.screenshot(path=str(shot), full_page=False)
    text = page.inner_text("body")
    out = {"user": user, "path": path, "url": page.url, "status": statuses[-1][1] if statuses else None,
           "title": page.title(), "found": found, "text": re.sub(r"\s+", " ", text)[:1500], "screenshot": shot.name}
    page.close()
    return out


def visit(site: Site, artifacts):
    """Every page check; returns {name: what it showed}."""
    from playwright.sync_api import sync_playwright

    artifacts.mkdir(parents=True, exist_ok=True)
    instructor, grader, (student, other) = site.instructor, site.grader, site.students[:2]
    checks = {
        "formgrader_instructor": (instructor, FORMGRADER, "text=02-forward-pass"),
        "formgrader_grader": (grader, FORMGRADER, "text=02-forward-pass"),
        "formgrader_student": (student, FORMGRADER, "text=403"),
        "other_students_server": (other, f"/user/{student}/lab", "text=403"),
    }
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for name, (user, path, wait_for) in checks.items():
                context = browser.new_context(viewport={"width": 1300, "height": 850})
                seen[name] = _visit(context, site, user, path, wait_for, artifacts / f"{name}.png")
                context.close()
            context = browser.new_context(viewport={"width": 1300, "height": 850})
            seen["student_lab"] = _student_lab(context, site, student, artifacts / "student_lab.png")
            context.close()
        finally:
            browser.close()
    return seen


def _student_lab(context, site: Site, student, shot):
    """The student's JupyterLab with their assignment open: the menus and tabs nbgrader leaves them."""
    path = f"/user/{student}/lab/tree/{COURSE}/02-forward-pass/02-forward-pass.ipynb"
    page = context.new_page()
    _login(page, site, student, path)
    page.wait_for_selector(".jp-Notebook", timeout=PAGE_SECONDS * 1000)
    time.sleep(SETTLE_SECONDS * 2)
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    tabs = page.locator(".lm-TabBar-tabLabel").all_inner_texts()
    nbgrader_items = []
    if "Nbgrader" in menus:
        page.click(".lm-MenuBar-item:has-text('Nbgrader')")
        time.sleep(1)
        nbgrader_items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
        page.keyboard.press("Escape")
    page.screenshot(path=str(shot))
    out = {"user": student, "path": path, "menus": menus, "tabs": [t for t in tabs if t],
           "nbgrader_menu": [i for i in nbgrader_items if i], "screenshot": shot.name,
           "toasts": page.locator(".Toastify__toast").count()}
    page.close()
    return out
