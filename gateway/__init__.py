"""The hall's HTTP gateway: citizens' phones (the page behind the ticket's QR code) and partner apps
(appointments, remote tickets), talking to the queue broker only over the MQTT v1 link (docs/gateway.md)."""
