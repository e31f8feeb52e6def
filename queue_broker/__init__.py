"""The queue broker: the hall's central service (tickets, queues, counters) over MQTT."""

__version__ = "0.1.0"
