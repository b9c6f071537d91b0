"""The tab the browser tests share (conftest.Tab, conftest.lend): what one test leaves, the next never sees.

Each test here plays two tests in turn: it borrows a tab of its own kind through ``lend``,
exactly as the ``page`` fixture does, leaves state in it, gives it back, then borrows again.
The second borrower gets the same tab with none of that state, or, when the first left what
a reset cannot undo (a popup, an init script, a failure), a new tab.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._support import BROWSER, REPORT, require_browser
from .conftest import _FAILED, ACTION_TIMEOUT_MS, DESKTOP, Tab, lend

require_browser()

pytestmark = BROWSER


@pytest.fixture
def tabs() -> Iterator[dict[str, Tab]]:
    """A private set of tabs, so these tests never touch the ones the other tests borrow."""
    mine: dict[str, Tab] = {}
    yield mine
    for tab in mine.values():
        tab.close()


def borrow(tabs: dict[str, Tab], browser: Any, request: pytest.FixtureRequest) -> tuple[Any, Iterator[Any]]:
    lent = lend(tabs, browser, request, "probe")
    return next(lent), lent


def give_back(lent: Iterator[Any]) -> None:
    next(lent, None)


def test_the_next_borrower_gets_the_same_tab_with_none_of_the_state_left(tabs, browser, request, sample_site):
    page, lent = borrow(tabs, browser, request)
    page.goto(sample_site.url(REPORT))
    page.evaluate(
        """() => new Promise(resolve => {
            localStorage.setItem('left', '1');
            sessionStorage.setItem('left', '1');
            document.cookie = 'left=1; path=/';
            window.name = 'left';
            const opening = indexedDB.open('left');
            opening.onsuccess = () => { opening.result.close(); resolve(null); };
        })"""
    )
    assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == ["left"]
    heard: list[str] = []
    page.on("console", lambda message: heard.append(message.text))
    page.route("**/*.css", lambda route: route.abort())
    page.set_viewport_size({"width": 320, "height": 640})
    page.emulate_media(media="print", color_scheme="dark", contrast="more")
    page.keyboard.down("Shift")
    page.set_default_timeout(2_500)
    page.set_default_navigation_timeout(2_500)
    give_back(lent)

    again, lent = borrow(tabs, browser, request)
    assert again is page, "the tab was not lent again (a new one was opened)"
    assert again.url == "about:blank" and again.viewport_size == DESKTOP
    assert again._impl_obj.listeners("console") == []
    timeouts = again._impl_obj._timeout_settings
    assert (timeouts.timeout(None), timeouts.navigation_timeout(None)) == (ACTION_TIMEOUT_MS, ACTION_TIMEOUT_MS)
    response = again.goto(sample_site.url(REPORT))
    assert response is not None and response.ok
    state = again.evaluate(
        """async () => ({
            local: localStorage.getItem('left'),
            session: sessionStorage.getItem('left'),
            cookie: document.cookie,
            name: window.name,
            databases: (await indexedDB.databases()).map(d => d.name),
            history: history.length,
            print: matchMedia('print').matches,
            dark: matchMedia('(prefers-color-scheme: dark)').matches,
            contrast: matchMedia('(prefers-contrast: more)').matches,
            styled: getComputedStyle(document.querySelector('.md-header')).position,
        })"""
    )
    assert state == {
        "local": None,
        "session": None,
        "cookie": "",
        "name": "",
        "databases": [],
        "history": 2,  # about:blank, then this page: never the first borrower's pages
        "print": False,
        "dark": False,
        "contrast": False,
        "styled": "sticky",  # Material's CSS loaded: the first borrower's route is gone
    }
    again.evaluate("() => console.log('after')")
    assert heard == []  # the first borrower's listener no longer hears this tab
    again.evaluate("() => { addEventListener('keydown', event => { window.__shift = event.shiftKey; }, {once: true}); }")
    again.keyboard.press("a")
    assert again.evaluate("() => window.__shift") is False  # the first borrower's Shift is up again
    give_back(lent)


def open_a_popup(page: Any) -> None:
    with page.expect_popup():
        page.evaluate("() => { window.open('about:blank'); }")


def test_a_tab_left_with_what_a_reset_cannot_undo_is_closed_not_lent_again(tabs, browser, request):
    for leave in (
        lambda page: page.add_init_script("window.__left = 1"),
        lambda page: page.set_extra_http_headers({"X-Left": "1"}),
        lambda page: page.context.clock.install(),
        open_a_popup,
    ):
        page, lent = borrow(tabs, browser, request)
        leave(page)  # from about:blank: no page needs loading to leave these
        give_back(lent)
        assert "probe" not in tabs and page.is_closed()


def test_a_failed_tests_tab_is_closed_not_lent_again(tabs, browser, request):
    page, lent = borrow(tabs, browser, request)
    request.node.stash[_FAILED] = True  # as conftest's report hook marks a test that failed
    try:
        give_back(lent)
    finally:
        del request.node.stash[_FAILED]
    assert "probe" not in tabs and page.is_closed()
