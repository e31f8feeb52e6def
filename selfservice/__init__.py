"""24-hour self-service records (issue 24): department adapters, the record as a document and its PDF,
and the session a kiosk screen drives. Kivy-free; see docs/selfservice.md."""
