"""Service configuration."""

import os

from pydantic import Field
from pydantic_settings import BaseSettings

DEFAULT_CHAT_MODEL = os.getenv("CHAT_MODEL", "gpt-4o")
EMBEDDING_MODEL = "text-embedding-3-small"
REQUEST_TIMEOUT_S = 30


class Settings(BaseSettings):
    summary_model: str = "claude-3-5-haiku-20241022"
    router_model: str = Field(default="gpt-4o-mini")
    log_level: str = "INFO"


settings = Settings()
