"""The citizen kiosk (自助取号机): a ticket in few taps, guides, ID card, appointments, 24 hours. Kiosk role."""
