"""The providers package: curated exports, lazy imports, registry names."""

from __future__ import annotations

import subprocess
import sys

import pytest

import switchover.providers as providers


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
