"""Plug-in registries by versioned name, read from built-ins and Python entry points.

A name such as ``"condition_aware.v1"`` never changes meaning; new behaviour gets a new version.
A plug-in is registered as a class (its constructor's parameters are the ones a config may set,
declared once) or as a factory function. Third parties register through the entry-point group
``medfact.<family>`` (``medfact.verifiers``, ``medfact.stages``, ...); the entry point's object
is the class or factory. :func:`families` lists every family.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from medfact.errors import ConfigError, RegistryError

F = TypeVar("F", bound=Callable[..., Any])


class Registry:
    """Factories of one plug-in family, by name."""

    def __init__(self, family: str, builtin_module: str | None = None) -> None:
        self.family = family
        self.entry_point_group = f"medfact.{family}"
        self._builtin_module = builtin_module
        self._factories: dict[str, Callable[..., Any]] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator for a class or factory: ``@registry.verifiers.register("numbers.v1")``."""

        def decorator(factory: F) -> F:
            existing = self._factories.get(name)
            if existing is not None and existing is not factory:
                raise RegistryError(f"{self.family} {name!r} is already registered by {existing!r}")
            self._factories[name] = factory
            return factory

        return decorator

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._builtin_module:
            importlib.import_module(self._builtin_module)
        for ep in entry_points(group=self.entry_point_group):
            if ep.name not in self._factories:
                self._factories[ep.name] = ep.load()

    def names(self) -> list[str]:
        self._load()
        return sorted(self._factories)

    def get(self, name: str) -> Callable[..., Any]:
        self._load()
        try:
            return self._factories[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._factories, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise RegistryError(
                f"no {self.family} plug-in named {name!r}.{hint} "
                f"Registered: {', '.join(sorted(self._factories)) or 'none'}."
            ) from None

    def create(self, name: str, params: dict[str, Any] | None = None) -> Any:
        """Build a plug-in, rejecting parameters its class or factory does not take."""
        factory = self.get(name)
        params = dict(params or {})
        check_params(factory, params, f"{self.family} {name!r}")
        return factory(**params)

    def parameters(self, name: str) -> dict[str, Any]:
        """The parameters a config may set for ``name``, with their defaults."""
        sig = inspect.signature(self.get(name))
        return {
            n: (None if p.default is p.empty else p.default)
            for n, p in sig.parameters.items()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        }


def check_params(factory: Callable[..., Any], params: dict[str, Any], owner: str) -> None:
    sig = inspect.signature(factory)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    allowed = [
        n for n, p in sig.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    for key in params:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{owner} takes no parameter {key!r}.{hint} "
                f"Its parameters: {', '.join(allowed) or 'none'}."
            )


segmenters = Registry("segmenters", "medfact.segment")
decomposers = Registry("decomposers", "medfact.decomposers")
analyzers = Registry("analyzers", "medfact.analysis")
verifiers = Registry("verifiers", "medfact.verifiers")
corpora = Registry("corpora", "medfact.corpora")
scorers = Registry("scorers", "medfact.scoring")
stages = Registry("stages", "medfact.stages")


def families() -> dict[str, Registry]:
    """Every plug-in family, including those defined beside their code (LM backends, prompts,
    MEDEC correctors)."""
    from medfact.lm.base import lms
    from medfact.lm.prompts import prompts
    from medfact.medec.corrector import correctors

    return {**FAMILIES, **{r.family: r for r in (lms, prompts, correctors)}}


FAMILIES = {
    r.family: r for r in (segmenters, decomposers, analyzers, verifiers, corpora, scorers, stages)
}
"""The core families; :func:`families` adds the ones defined beside their code."""
