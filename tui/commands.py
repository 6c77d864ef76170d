"""The command palette's provider: every action that has a key where you are, found by name."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ActionsProvider(Provider):
    """Offers the bindings active on the current screen (app, screen and focused widget)."""

    def _commands(self) -> Iterator[tuple[str, str, object]]:
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            # ours only (they have ids): Textual's own, like its scroll keys, are not actions
            if not binding.id or not binding.description or not active.enabled or binding.system:
                continue
            name = binding.tooltip or binding.description  # the help screen's name for it
            if name in seen:
                continue
            seen.add(name)
            key_display = binding.key_display or self.app.get_key_display(binding)
            yield name, f"key: {key_display}", partial(self.app.run_action, binding.action, active.node)

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
