"""chaingrade: grade reverse-mode autodiff and name the wrong chain-rule step."""

__version__ = "0.1.0"
