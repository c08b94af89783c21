"""The cut-over gateway: OpenAI- and Anthropic-compatible endpoints in front of a
migration's baseline and candidate, applying the rollout (shadow, sticky canary, gated
ramp, automatic rollback) from the store. See docs/gateway.md."""

from switchover.gateway.app import GatewayApp, create_gateway_app
from switchover.gateway.routing import Decision, MigrationRoute, RouteTable, Target, build_routes
from switchover.gateway.server import run_gateway, serve_in_thread
from switchover.gateway.settings import GatewaySettings

__all__ = [
    "Decision",
    "GatewayApp",
    "GatewaySettings",
    "MigrationRoute",
    "RouteTable",
    "Target",
    "build_routes",
    "create_gateway_app",
    "run_gateway",
    "serve_in_thread",
]
