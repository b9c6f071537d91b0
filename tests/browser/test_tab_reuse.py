"""The tab the browser tests share (conftest.Tab): what one test leaves, the next never sees.

The first test leaves every kind of state a test can leave in a tab; the second, run
next in the same worker (one xdist group), gets the same tab back with none of it. A
test that fails gets its tab closed rather than lent again.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._support import BROWSER, REPORT, require_browser
from .conftest import _FAILED, ACTION_TIMEOUT_MS, DESKTOP, lend

require_browser()

pytestmark = [BROWSER, pytest.mark.xdist_group("test_tab_reuse")]  # the two tests in order, in one worker

LEFT: dict[str, Any] = {}


def test_a_test_leaves_storage_cookies_routes_listeners_viewport_and_media(page, sample_site):
    page.goto(sample_site.url(REPORT))
    page.evaluate(
        """() => new Promise(resolve => {
            localStorage.setItem('left', '1');
            sessionStorage.setItem('left', '1');
            document.cookie = 'left=1; path=/';
            const opening = indexedDB.open('left');
            opening.onsuccess = () => { opening.result.close(); resolve(null); };
        })"""
    )
    heard: list[str] = []
    page.on("console", lambda message: heard.append(message.text))
    page.route("**/*.css", lambda route: route.abort())
    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(media="print", color_scheme="dark")
    page.set_default_timeout(2_500)
    page.set_default_navigation_timeout(2_500)
    assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == ["left"]
    LEFT.update(page=page, heard=heard)


def test_the_next_test_gets_the_same_tab_with_none_of_it(page, sample_site):
    assert LEFT, "the first test did not run before this one"
    assert page is LEFT["page"], "the tab was not reused (the fixture opened a new one)"
    assert page.url == "about:blank"
    assert page.viewport_size == DESKTOP
    assert page._impl_obj.listeners("console") == []
    response = page.goto(sample_site.url(REPORT))
    assert response is not None and response.ok
    state = page.evaluate(
        """async () => ({
            local: localStorage.getItem('left'),
            session: sessionStorage.getItem('left'),
            cookie: document.cookie,
            databases: (await indexedDB.databases()).map(d => d.name),
            print: matchMedia('print').matches,
            dark: matchMedia('(prefers-color-scheme: dark)').matches,
            styled: getComputedStyle(document.querySelector('.md-header')).position,
        })"""
    )
    assert state == {
        "local": None,
        "session": None,
        "cookie": "",
        "databases": [],
        "print": False,
        "dark": False,
        "styled": "sticky",  # Material's CSS loaded: the first test's route is gone
    }
    page.evaluate("() => console.log('after')")
    assert LEFT["heard"] == []  # the first test's listener no longer hears this tab
    timeouts = page._impl_obj._timeout_settings
    assert (timeouts.timeout(None), timeouts.navigation_timeout(None)) == (ACTION_TIMEOUT_MS, ACTION_TIMEOUT_MS)


def test_a_failed_tests_tab_is_closed_not_lent_again(browser, request):
    tabs: dict[str, Any] = {}
    lent = lend(tabs, browser, request, "probe")
    page = next(lent)
    assert tabs["probe"].page is page
    request.node.stash[_FAILED] = True  # as conftest's report hook marks a test that failed
    try:
        next(lent, None)
    finally:
        del request.node.stash[_FAILED]
    assert "probe" not in tabs and page.is_closed()
