"""The project's own websocket client: one browser session speaking Streamlit's protocol.

A client connects to /_stcore/stream with a sign-in cookie, sends a `rerun_script` BackMsg
(the page to run, as the browser does on every click or page change) and times until the
server's `script_finished` ForwardMsg. Like the browser, it sends back the value of every
widget the last run drew, so keyed widgets keep their state.
"""

from __future__ import annotations

import asyncio
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

from services.accounts.auth import SESSION_COOKIE

PARENT_PAGES = ("Home", "Students", "Attendance", "Transactions", "Billing")
FINISHED = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN,
}
RUN_TIMEOUT = 60.0  # seconds one rerun may take before it counts as failed


class RunFailed(Exception):
    pass


class BrowserSession:
    """One websocket session: rerun a page, wait for the script to finish.

    Like the browser, it sends back the value of every widget the last run drew (as drawn:
    the default, or the value the script set), so keyed widgets keep their state."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pages: dict[str, str] = {}  # page name -> page_script_hash
        self.errors = 0
        self.error_messages: list[str] = []  # what each exception the page showed said
        self.widgets: dict[str, WidgetState] = {}  # drawn by the last finished run

    @classmethod
    async def open(cls, url: str, cookie: str) -> BrowserSession:
        ws = await connect(
            url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            max_size=None,
            open_timeout=30,
        )
        return cls(ws)

    async def rerun(self, page: str = "") -> float:
        """Run `page` (a name from the navigation; "" = the default page); ms until done."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = self.pages.get(page, "")
        msg.rerun_script.widget_states.widgets.extend(self.widgets.values())
        drawn: dict[str, WidgetState] = {}
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(RUN_TIMEOUT):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.ws.recv())
                kind = forward.WhichOneof("type")
                if kind == "delta":
                    delta = forward.delta
                    if delta.WhichOneof("type") == "new_element":
                        if delta.new_element.WhichOneof("type") == "exception":
                            self.errors += 1
                            shown = delta.new_element.exception
                            self.error_messages.append(f"{shown.type}: {shown.message}")
                        _remember(delta.new_element, self.widgets, drawn)
                    elif delta.WhichOneof("type") == "add_block":
                        _remember_block(delta.add_block, self.widgets, drawn)
                elif kind == "navigation":
                    pages = forward.navigation.app_pages
                    self.pages = {p.page_name: p.page_script_hash for p in pages}
                elif kind == "page_not_found":
                    self.errors += 1
                    self.error_messages.append(f"page not found: {page}")
                elif kind == "script_finished":
                    if forward.script_finished in FINISHED:
                        self.widgets = drawn
                        return (time.perf_counter() - started) * 1000
                    raise RunFailed(f"script finished with status {forward.script_finished}")

    async def close(self) -> None:
        await self.ws.close()


def _remember(
    element: Element, shown: dict[str, WidgetState], drawn: dict[str, WidgetState]
) -> None:
    """The value the browser would send back for a widget: what it showed before, unless
    the script set a value; a new widget starts at its default."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind) if kind else None
    if widget is None or not getattr(widget, "id", ""):
        return
    if not getattr(widget, "set_value", False) and widget.id in shown:
        drawn[widget.id] = shown[widget.id]
        return
    state = WidgetState(id=widget.id)
    if kind in ("selectbox", "radio"):
        if widget.set_value and widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default") and widget.default < len(widget.options):
            state.string_value = widget.options[widget.default]
        else:
            return
    elif kind == "button_group":
        if widget.set_value:
            values = list(widget.raw_values)
        else:
            values = [widget.options[i].content for i in widget.default]
        state.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        state.string_value = widget.value if widget.set_value else widget.default
    elif kind == "checkbox":
        state.bool_value = widget.value if widget.set_value else widget.default
    elif kind == "date_input":
        values = widget.value if widget.set_value else widget.default
        state.string_array_value.data.extend(values)
    elif kind == "number_input":
        if widget.set_value:
            state.double_value = widget.value
        elif widget.HasField("default"):
            state.double_value = widget.default
        else:
            return
    else:
        return  # buttons send nothing until clicked; other widgets are not on these pages
    drawn[widget.id] = state


def _remember_block(
    block: Block, shown: dict[str, WidgetState], drawn: dict[str, WidgetState]
) -> None:
    """Stateful tabs: the open tab's label (nothing until one is chosen: the default)."""
    tabs = block.tab_container
    if block.WhichOneof("type") != "tab_container" or not tabs.id:
        return
    if tabs.id in shown:
        drawn[tabs.id] = shown[tabs.id]
    elif tabs.default_tab_label:
        drawn[tabs.id] = WidgetState(id=tabs.id, string_value=tabs.default_tab_label)


async def warm_up(ws_url: str, cookie: str) -> float:
    """The first page after start-up (imports, first queries), then every parent page once;
    the first page's ms."""
    session = await BrowserSession.open(ws_url, cookie)
    first = await session.rerun()
    for page in PARENT_PAGES:
        await session.rerun(page)
    await session.close()
    return first
