"""The queue broker as an MQTT service: protocol v1 in, engine commands, durable events, replies out."""
