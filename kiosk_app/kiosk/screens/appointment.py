"""Appointment check-in: scan the appointment code, or lay the ID card that booked it. Walking in
without one is offered on the same screen: an appointment never blocks anyone (seed art. 19)."""

from __future__ import annotations

from .base import KioskScreen, load_kv

load_kv(__file__)


class AppointmentScreen(KioskScreen):
    pass


SCREEN = AppointmentScreen
