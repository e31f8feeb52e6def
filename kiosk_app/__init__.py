"""The citizen kiosk of the hall (Kivy): a ticket in few taps, guides, ID card, appointments, 24 hours."""

__version__ = "0.1.0"
