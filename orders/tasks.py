"""django-q2 entry points for orders. Tasks take ids, never objects."""

from . import actions


def run_action(action_id: int) -> str:
    action = actions.run_action(action_id)
    return f"action {action_id}: {action.state if action else 'not ours to run now'}"


def run_connection_actions(connection_id: int) -> str:
    return f"connection {connection_id}: {actions.run_connection_actions(connection_id)} actions attempted"
