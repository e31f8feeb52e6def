"""The kiosk's state: Kivy properties on one object that does no I/O.

Screens bind to these properties in their .kv rules and never talk to the broker or a device; the
controller changes them. Personal data is kept to the masked name (`holder_name_masked`): the ID
number and the full name never become a property, so they never reach a widget (see controller).
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    ListProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)

from .screens import SCREENS


class KioskState(EventDispatcher):
    screen = OptionProperty("home", options=SCREENS)
    language = OptionProperty("zh", options=["zh", "en"])
    elderly = BooleanProperty(False)

    # the hall
    online = BooleanProperty(False)  # MQTT link up
    server_ok = BooleanProperty(True)  # the queue broker answers and publishes
    catalog = ObjectProperty(None, allownone=True)  # CatalogView
    catalog_version = StringProperty("")
    queues = DictProperty({})  # queue id -> state/queues entry (dict)
    counters = DictProperty({})  # counter id -> state/counters entry (dict)
    hall_open = BooleanProperty(True)  # ticketing open now
    self_service_open = BooleanProperty(True)
    next_open_text = StringProperty("")  # when ticketing opens, in words (from state/queues' hall)
    demo = BooleanProperty(False)  # the broker runs a demonstration (up --open-now): 演示 on screen
    now_text = StringProperty("")
    site_name = StringProperty("")
    kiosk_name = StringProperty("")

    # browsing
    service_id = StringProperty("")  # the item on the item screen
    guide_tab = StringProperty("conditions")
    browse_mode = OptionProperty("department", options=["department", "life_event"])
    browse_group = StringProperty("")
    search_query = StringProperty("")
    search_results = ListProperty([])
    frequent = ListProperty([])  # item ids of the home screen's large buttons

    # taking a ticket
    card_flow = StringProperty("")  # "", "walk_in", "appointment"
    card_phase = StringProperty("")  # "", "waiting", "read", "fault"
    holder_name_masked = StringProperty("")  # 李** : the only trace of an ID card on screen
    ticket = DictProperty({})  # the protocol's ticket view
    ticket_phase = StringProperty("")  # "", pending, retrying, shown, failed
    ticket_note = StringProperty("")
    ticket_error = StringProperty("")
    print_phase = StringProperty("")  # "", printing, printed, failed, none
    print_error = StringProperty("")
    materials_print = StringProperty("")  # "", printing, printed, failed

    # where is my ticket
    lookup = DictProperty({})
    lookup_phase = StringProperty("")  # "", waiting, shown, not_found, failed

    # a call for staff (cmd/ticket/help): 帮办代办, or asking for priority
    help_active = BooleanProperty(False)  # a call is open: staff are (being) told
    help_need = OptionProperty(
        "general", options=["general", "priority", "visually_impaired", "hearing_impaired", "mobility"]
    )
    help_phase = StringProperty("")  # "", sending, sent (the broker raised the alert), failed (retrying)

    # 需要手语/文字沟通 (issue 23): travels as the ticket's `needs: ["sign_or_text"]` on cmd/ticket/issue
    sign_or_text = BooleanProperty(False)

    # blind mode (issue 23; kiosk/blind.py): the spoken navigation, driven by keys alone
    blind_active = BooleanProperty(False)
    blind_by = StringProperty("")  # what started it: long_press, jack, key
    blind_screen = StringProperty("off")  # the guide's screen: home, frequent, service, ticket, help, ...
    blind_text = StringProperty("")  # what is being said now (also shown large, for a sighted helper)
    blind_spoken = ListProperty([])  # every line said since the mode started, in order
    blind_played = ListProperty([])  # the WAVs rendered and handed to the player, in order
    blind_number = StringProperty("")  # the ticket taken in the mode
    blind_message = StringProperty("")  # a plain message about the keypad (junk refused)
    headphones = BooleanProperty(False)  # the jack's settled state

    # 24-hour self-service: the transaction's SessionView as a dict (selfservice/session.py); masked name
    # and the record's preview lines only, emptied when the transaction ends
    selfservice = DictProperty({})

    message = StringProperty("")  # a short note under the header (auto elderly mode, ...)
    last_spoken = StringProperty("")

    def clear_flow(self) -> None:
        """Forget everything a citizen's flow put on the screen (end of flow, walk-away, timeout)."""
        self.holder_name_masked = ""
        self.ticket = {}
        self.ticket_phase = ""
        self.ticket_note = ""
        self.ticket_error = ""
        self.print_phase = ""
        self.print_error = ""
        self.materials_print = ""
        self.selfservice = {}
        self.lookup = {}
        self.lookup_phase = ""
        self.search_query = ""
        self.search_results = []
        self.service_id = ""
        self.guide_tab = "conditions"
        self.browse_group = ""
        self.card_flow = ""
        self.card_phase = ""
        self.sign_or_text = False
        self.message = ""
