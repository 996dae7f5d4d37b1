"""Maintainer tools that are not part of the course package."""
