"""The providers package: curated exports, lazy imports, registry names."""

from __future__ import annotations

import subprocess
import sys

import pytest

import switchover.providers as providers
from switchover.errors import ConfigError
from switchover.providers import ProviderSettings, create_provider


def test_importing_the_package_does_not_import_httpx() -> None:
    code = "import sys, switchover.providers; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lazy_http_provider_and_unknown_names() -> None:
    from switchover.providers._http import HTTPProvider

    assert providers.HTTPProvider is HTTPProvider
    with pytest.raises(AttributeError, match="nope"):
        _ = providers.nope
    assert set(providers.__all__) <= set(dir(providers)) | {"HTTPProvider"}


def test_builtin_openai_providers_are_registered() -> None:
    names = providers.available_providers()
    for name in ("openai", "openai-responses", "openai-compatible", "azure"):
        assert name in names
    assert providers.API_IDS["openai.responses"] == "switchover.providers.openai_responses"


@pytest.mark.parametrize("base_url", ["not a url", "ftp://127.0.0.1/v1", "127.0.0.1:8000/v1"])
def test_base_url_without_http_scheme_is_a_config_error(base_url: str) -> None:
    with pytest.raises(ConfigError, match="not an http:// or https:// URL") as info:
        create_provider("openai", ProviderSettings(api_key="k", base_url=base_url))
    assert (info.value.field, info.value.exit_code) == ("base_url", 2)
