"""queue_broker."""
