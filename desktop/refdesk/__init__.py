"""refdesk: a desktop reference manager with a scriptable CLI."""

__version__ = "0.1.0"
