"""The hall's MQTT contract v1 in code: topics and typed payloads. Every package imports from here."""

from .messages import *  # noqa: F403
from .messages import ProtocolError, parse
from .selfservice import SELFSERVICE_ACTION_MODELS, IdNumber, SelfServiceRecord
from .topics import PROTOCOL_VERSION, SELFSERVICE_ACTIONS, TopicError, TopicMatch, Topics

__all__ = [
    "PROTOCOL_VERSION",
    "ProtocolError",
    "TopicError",
    "TopicMatch",
    "Topics",
    "parse",
    "SELFSERVICE_ACTIONS",
    "SELFSERVICE_ACTION_MODELS",
    "IdNumber",
    "SelfServiceRecord",
]
