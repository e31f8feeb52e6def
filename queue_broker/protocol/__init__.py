"""The hall's MQTT contract v1 in code: topics and typed payloads. Every package imports from here."""

from . import gateway  # noqa: F401,I001 - registers the gateway's commands in the action tables
from .messages import *  # noqa: F403
from .messages import ProtocolError, parse
from .topics import PROTOCOL_VERSION, TopicError, TopicMatch, Topics

__all__ = ["PROTOCOL_VERSION", "ProtocolError", "TopicError", "TopicMatch", "Topics", "parse"]
