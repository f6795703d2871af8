"""Downloads of student data: made when the person clicks, and served to that click only.

Streamlit serves a download button's file at `/media/<hash>.<ext>` to anyone who asks, with no
cookie, until it cleans up after later runs, which an idle page may not have for hours. Every
download button of the app goes through `download_button` here, which changes two things:

- The file is made at the click, never before: the data is always handed to Streamlit as a
  callable (a "deferred" download), so no URL exists until someone clicks.
- The file the click made is served to that click and then removed from Streamlit's media
  storage: Streamlit's button fetches it twice (once to check the URL, once to save the file),
  so after two requests, or LIFE_S seconds after the click, whichever is first, the URL answers 404.
  (A request is a read of the file on the server's event loop, where the /media route runs;
  Streamlit's own reads, to make the URL, run in other threads and do not count.)

The limit: in those first seconds the URL is a bearer URL. Whoever holds it (it is a hash of the
file's content, not guessable without the content) could fetch it without a cookie before the
clicking browser does; the clicking browser then gets a 404 and the person clicks again. Two
people downloading byte-identical files at the same moment share one URL and its allowance.

This leans on Streamlit 1.67's internals (the media storage object the `/media` route reads,
and `MediaFileManager.execute_deferred`); tests/browser/test_browser_downloads.py holds it to them.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit import runtime
from streamlit.runtime.media_file_storage import MediaFileStorageError

Data = bytes | str
SERVES = 2  # Streamlit's button: one fetch to check the URL, one to save the file
LIFE_S = 60.0  # a click's file is never served later than this after the click

_click = threading.local()  # set by the app's own data callable, in the thread that makes the file
_installed: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()


def download_button(label: str, data: Callable[[], Data] | Data, **options: Any) -> None:
    """st.download_button (same options), for student data: made at the click, served to that click."""
    _install()
    st.download_button(label, _made_at_the_click(data), **options)


def _made_at_the_click(data: Callable[[], Data] | Data) -> Callable[[], Data]:
    def made() -> Data:
        made_now = data() if callable(data) else data
        _click.ours = True  # the file Streamlit stores from this, in this thread, is served once
        return made_now

    return made


class _Lives:
    """The files clicks made, by Streamlit's file id: how many more requests each answers, until when."""

    def __init__(self) -> None:
        self.serves: dict[str, int] = {}
        self.until: dict[str, float] = {}

    def add(self, file_id: str) -> None:
        self.serves[file_id] = self.serves.get(file_id, 0) + SERVES
        self.until[file_id] = time.monotonic() + LIFE_S

    def serve(self, file_id: str) -> tuple[bool, bool]:
        """(whether this request may have the file, whether the file must go now)."""
        if file_id not in self.serves:
            return True, False
        if time.monotonic() > self.until[file_id]:
            self.forget(file_id)
            return False, True
        self.serves[file_id] -= 1
        if self.serves[file_id] <= 0:
            self.forget(file_id)
            return True, True
        return True, False

    def forget(self, file_id: str) -> None:
        self.serves.pop(file_id, None)
        self.until.pop(file_id, None)


def _answering_a_request() -> bool:
    """The /media route is a coroutine on the server's event loop; Streamlit's own reads of a file
    (making its URL, in the script's thread or a worker thread) run where no loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _install() -> None:
    """Once per media file manager (one per server process; AppTest makes its own)."""
    if not runtime.exists():
        return
    manager = runtime.get_instance().media_file_mgr
    with _lock:
        if manager in _installed:
            return
        storage = getattr(manager, "_storage", None)  # the object the /media route reads files from
        if storage is None or not hasattr(storage, "get_file"):
            raise RuntimeError("Streamlit's media storage changed: ui/downloads.py needs a look.")
        lives = _Lives()
        execute_deferred, get_file, delete_file = manager.execute_deferred, storage.get_file, storage.delete_file

        def execute_deferred_once(file_id: str) -> str:
            _click.ours = False
            url = execute_deferred(file_id)
            if _click.ours:
                _click.ours = False
                with _lock:
                    lives.add(os.path.splitext(posixpath.basename(url))[0])
            return url

        def get_file_once(filename: str):
            media = get_file(filename)
            if not _answering_a_request():
                return media  # Streamlit itself, making the file's URL (get_url reads the file too)
            file_id = os.path.splitext(filename)[0]
            with _lock:
                allowed, remove = lives.serve(file_id)
                if remove:
                    delete_file(file_id)  # Streamlit's own clean-up later finds it gone, which it allows
            if not allowed:
                raise MediaFileStorageError(f"The download {file_id} was served to its click already.")
            return media

        # Instance attributes, looked up at each call: the deferred-file handler and the /media route
        # reach these objects through the runtime, so both now go through the functions above.
        setattr(manager, "execute_deferred", execute_deferred_once)  # noqa: B010
        setattr(storage, "get_file", get_file_once)  # noqa: B010
        _installed.add(manager)
