"""The hall's MQTT contract v1 in code: topics and typed payloads. Every package imports from here."""

from . import access as _access
from . import gateway as _gateway
from . import messages as _messages
from . import planning as _planning
from . import platform as _platform
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

# The request and event tables (messages.*_MODELS) gain the models of the additive protocol modules here,
# where every import of the protocol passes first, so that those modules can build on messages' base
# types without messages importing them back (tests/test_import_cycles.py).
# Between the hall and the provincial platforms (protocol/platform.py, docs/platform.md):
_messages.COUNTER_ACTION_MODELS["application"] = _platform.ApplicationRequest
_messages.SUPERVISOR_ACTION_MODELS.update(
    {
        "reload": _platform.SupervisorReload,
        "application": _platform.ApplicationRequest,
        "uplink": _platform.SupervisorUplink,
    }
)
_messages.EVENT_MODELS["application"] = _platform.ApplicationEvent
# The gateway's commands (protocol/gateway.py, docs/gateway.md):
_messages.TICKET_ACTION_MODELS.update(_gateway.TICKET_MODELS)
_messages.COUNTER_ACTION_MODELS.update(_gateway.COUNTER_MODELS)
_messages.APPOINTMENT_ACTION_MODELS.update(_gateway.APPOINTMENT_MODELS)
_messages.EVENT_MODELS.update(_gateway.EVENT_MODELS)
# Serving everyone alike (protocol/access.py, issue 23): hold and resume, lookup, materials:
_messages.TICKET_ACTION_MODELS.update(_access.TICKET_MODELS)
_messages.COUNTER_ACTION_MODELS.update(_access.COUNTER_MODELS)
_messages.SUPERVISOR_ACTION_MODELS.update(_access.SUPERVISOR_MODELS)
_messages.EVENT_MODELS.update(_access.EVENT_MODELS)
# Planning ahead (protocol/planning.py, docs/planning.md): reserve windows and plans:
_messages.COUNTER_ACTION_MODELS.update(_planning.PLANNING_COUNTER_ACTIONS)
_messages.SUPERVISOR_ACTION_MODELS.update(_planning.PLANNING_SUPERVISOR_ACTIONS)
_messages.EVENT_MODELS["reserve"] = _planning.ReserveEvent
