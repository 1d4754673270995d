"""The prompt files, installed inside the package as `agent.prompts` (see pyproject.toml)."""
